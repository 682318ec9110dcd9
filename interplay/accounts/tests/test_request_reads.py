"""The reads every signed-in request makes (its session, its second-factor device, the
person's roles) give what Django and django-otp would read."""

import datetime as dt
from typing import Any

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from interplay.accounts.middleware import SecondFactorMiddleware
from interplay.accounts.models import AuthenticatorApp
from interplay.accounts.sessions import SessionStore
from interplay.test import BaseTestCase, authenticator, current_code


class RequestReadsTests(BaseTestCase):
    def test_a_session_is_read_by_its_key_until_it_expires(self) -> None:
        store = SessionStore()
        store["seen"] = "yes"
        store.create()
        self.assertEqual(SessionStore(store.session_key)["seen"], "yes")
        Session.objects.filter(pk=store.session_key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1)
        )
        expired = SessionStore(store.session_key)
        self.assertNotIn("seen", expired)
        self.assertIsNone(expired.session_key)
        self.assertNotIn("seen", SessionStore("no-such-key-at-all-0000000000000"))

    def test_the_device_is_the_sessions_own_and_its_key_is_read_only_when_asked(self) -> None:
        device = authenticator(self.therapist)
        middleware = SecondFactorMiddleware(lambda request: None)
        with self.assertNumQueries(1):
            found = middleware._device_from_persistent_id(device.persistent_id)
        self.assertEqual(found, device)
        self.assertIn("key", found.get_deferred_fields())
        self.assertEqual(found.key, device.key)  # read when asked, as deferred fields are
        missing = f"{AuthenticatorApp._meta.label_lower}/{device.pk + 1000}"
        self.assertIsNone(middleware._device_from_persistent_id(missing))

    def test_a_signed_in_page_knows_the_device_and_the_roles(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(reverse("caseload"))
        self.assertEqual(page.status_code, 200)
        user: Any = page.wsgi_request.user
        self.assertTrue(user.is_verified())
        self.assertEqual(user.roles, frozenset({"therapist"}))

    def test_a_code_still_checks_against_the_key(self) -> None:
        authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        verify = reverse("accounts:verify")
        response = self.client.post(verify, {"code": current_code(self.triage), "next": "/"})
        self.assertEqual(response.status_code, 302)

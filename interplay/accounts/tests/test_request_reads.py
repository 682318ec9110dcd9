"""The reads every signed-in request makes (its session; its user, their roles and their
second-factor device, in one statement) give what Django and django-otp would read."""

import datetime as dt
from typing import Any

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from interplay.accounts.backends import UserAndRolesBackend, read_with
from interplay.accounts.middleware import SecondFactorMiddleware
from interplay.accounts.models import AuthenticatorApp, Role
from interplay.accounts.sessions import SessionStore
from interplay.test import BaseTestCase, authenticator, current_code, make_user


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

    def test_the_user_their_roles_and_their_device_are_one_statement(self) -> None:
        self.sign_in(self.therapist)
        self.client.get(reverse("caseload"))
        with CaptureQueriesContext(connection) as captured:
            page = self.client.get(reverse("caseload"))
        reads = [
            q["sql"]
            for q in captured.captured_queries
            if '"accounts_user"' in q["sql"] or "accounts_authenticatorapp" in q["sql"]
        ]
        self.assertEqual(len(reads), 1, reads)
        self.assertIn("accounts_roleassignment", reads[0])
        user: Any = page.wsgi_request.user
        self.assertEqual((user, user.roles), (self.therapist, frozenset({"therapist"})))
        self.assertEqual(user.otp_device, AuthenticatorApp.objects.get(user=self.therapist))

    def test_another_persons_device_in_the_session_signs_in_no_one_else(self) -> None:
        # The session names the therapist, and (say, tampered) the triage clinician's
        # device: the user is still the session's, with their own roles, not verified.
        self.sign_in(self.therapist, second_factor=False)
        session = self.client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(self.triage).persistent_id
        session.save()
        page = self.client.get(reverse("caseload"))
        user: Any = page.wsgi_request.user
        self.assertEqual((user, user.roles), (self.therapist, frozenset({"therapist"})))
        self.assertFalse(user.is_verified())
        self.assertIsNone(user.otp_device)
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)
        self.assertRedirects(
            page, f"{reverse('accounts:verify')}?next=/caseload/", fetch_redirect_response=False
        )

    def test_the_backend_takes_a_user_already_read_only_for_their_own_id(self) -> None:
        other = make_user("other", Role.TRIAGE)
        other.hold_roles("triage")
        backend = UserAndRolesBackend()
        with read_with(other), self.assertNumQueries(0):
            self.assertIs(backend.get_user(other.pk), other)
        with read_with(other), self.assertNumQueries(1):
            self.assertEqual(backend.get_user(self.therapist.pk), self.therapist)
        other.is_active = False  # deactivated since: still refused
        with read_with(other), self.assertNumQueries(0):
            self.assertIsNone(backend.get_user(other.pk))

    def test_a_code_still_checks_against_the_key(self) -> None:
        authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        verify = reverse("accounts:verify")
        response = self.client.post(verify, {"code": current_code(self.triage), "next": "/"})
        self.assertEqual(response.status_code, 302)

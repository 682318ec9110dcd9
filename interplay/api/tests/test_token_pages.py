"""The token page: a therapist makes a token, sees its key once, and revokes it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from interplay.api.models import ApiToken, Scope
from interplay.api.services import create_token
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase


def form(**overrides: str) -> dict[str, str]:
    expires = timezone.localdate() + dt.timedelta(days=30)
    data = {
        "name": "Outcomes spreadsheet",
        "scope": "read",
        "notes": "no",
        "expires_on_0": str(expires.day),
        "expires_on_1": str(expires.month),
        "expires_on_2": str(expires.year),
    }
    data.update(overrides)
    return data


class TokenPageLadderTests(BaseTestCase):
    def test_anonymous_is_sent_to_sign_in_and_password_only_to_the_second_factor(self) -> None:
        for name in ("tokens:list", "tokens:new"):
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("accounts:login"), response["Location"])
        self.sign_in(self.therapist, second_factor=False)
        response = self.client.get(reverse("tokens:list"))
        self.assertEqual(response.status_code, 302)
        self.assertNotIn(reverse("accounts:login"), response["Location"])

    def test_every_member_of_staff_opens_their_own_tokens(self) -> None:
        for user in (self.therapist, self.triage, self.manager, self.admin, self.supervisor):
            self.sign_in(user)
            self.assertEqual(self.client.get(reverse("tokens:list")).status_code, 200, user)
            self.assertEqual(self.client.get(reverse("tokens:new")).status_code, 200, user)

    def test_the_header_links_to_the_tokens(self) -> None:
        self.sign_in(self.triage)
        self.assertContains(self.client.get(reverse("triage:queue")), reverse("tokens:list"))

    def test_nobody_sees_or_revokes_another_s_token_but_an_administrator(self) -> None:
        token, _ = create_token(actor=self.therapist, name="Therapist's app")
        self.sign_in(self.outsider)
        self.assertNotContains(self.client.get(reverse("tokens:list")), "Therapist's app")
        url = reverse("tokens:revoke", kwargs={"public_id": token.public_id})
        self.assertEqual(self.client.post(url).status_code, 404)
        token.refresh_from_db()
        self.assertTrue(token.is_live)
        self.sign_in(self.admin)
        self.assertRedirects(self.client.post(url), reverse("tokens:list"))
        token.refresh_from_db()
        self.assertEqual((token.is_live, token.revoked_by), (False, self.admin))


class MakingATokenTests(BaseTestCase):
    def test_the_form_offers_a_read_only_token_for_90_days(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(reverse("tokens:new"))
        expires = timezone.localdate() + dt.timedelta(days=90)
        self.assertContains(page, f'value="{expires.year}"')
        self.assertContains(page, 'value="read" checked')

    def test_the_key_is_shown_once_and_only_its_prefix_after(self) -> None:
        self.sign_in(self.therapist)
        made = self.client.post(reverse("tokens:new"), form(scope="read_write", notes="yes"))
        self.assertEqual(made.status_code, 200)
        self.assertContains(made, "This is the only time the key is shown")
        key = made.context["key"]
        token = ApiToken.objects.get(user=self.therapist)
        self.assertEqual((token.scope, token.notes), (Scope.READ_WRITE, True))
        self.assertEqual(timezone.localtime(token.expires_at).date(), form_date())
        listing = self.client.get(reverse("tokens:list"))
        self.assertContains(listing, token.prefix)
        self.assertNotContains(listing, key)
        answer = self.client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(answer.json()["username"], "therapist")
        self.assertTrue(AuditEvent.objects.filter(action="api_token.created").exists())

    def test_a_wrong_expiry_comes_back_with_a_message_beside_it_and_the_name_kept(self) -> None:
        self.sign_in(self.therapist)
        too_far = timezone.localdate() + dt.timedelta(days=400)
        for data, message in (
            (form(expires_on_0="", expires_on_1="", expires_on_2=""), "Enter the date the token"),
            (form(expires_on_2=str(too_far.year + 1)), "within a year of today"),
            (
                form(expires_on_0="1", expires_on_1="1", expires_on_2="2020"),
                "must be after today",
            ),
        ):
            page = self.client.post(reverse("tokens:new"), data)
            self.assertContains(page, message, status_code=400)
            self.assertContains(page, 'value="Outcomes spreadsheet"', status_code=400)
        self.assertFalse(ApiToken.objects.exists())

    def test_revoking_stops_the_key_and_the_list_says_so(self) -> None:
        token, key = create_token(actor=self.triage, name="Queue board")
        self.sign_in(self.triage)
        response = self.client.post(
            reverse("tokens:revoke", kwargs={"public_id": token.public_id}), follow=True
        )
        self.assertContains(response, "has stopped working")
        self.assertContains(response, "Revoked")
        answer = self.client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(answer.status_code, 401)


class TokenListQueriesTests(BaseTestCase):
    def test_the_list_costs_the_same_queries_for_2_tokens_as_for_20(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from interplay.api.services import revoke_token

        self.sign_in(self.therapist)

        def make(count: int) -> None:
            while ApiToken.objects.count() < count:
                token, _ = create_token(actor=self.therapist, name="t")
                if ApiToken.objects.count() % 2:
                    revoke_token(actor=self.admin, token=token)

        make(2)
        self.client.get(reverse("tokens:list"))  # the first page after sign-in does more
        with CaptureQueriesContext(connection) as two:
            self.client.get(reverse("tokens:list"))
        make(20)
        with self.assertNumQueries(len(two.captured_queries)):
            page = self.client.get(reverse("tokens:list"))
        self.assertEqual(len(page.context["tokens"]), 20)


class AdministratorTokensTests(BaseTestCase):
    def test_an_administrator_revokes_anyone_s_token_in_the_admin(self) -> None:
        token, _ = create_token(actor=self.therapist, name="Leaked")
        self.sign_in(self.admin)
        changelist = reverse("admin:api_apitoken_changelist")
        self.assertContains(self.client.get(changelist), "Leaked")
        self.client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
        token.refresh_from_db()
        self.assertEqual(token.revoked_by, self.admin)
        event = AuditEvent.objects.get(action="api_token.revoked")
        self.assertEqual(event.actor, self.admin)


def form_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)

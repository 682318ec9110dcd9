"""Personal API tokens: made once and shown once, scoped, expiring, revocable, audited."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.accounts.services import grant_role, revoke_role
from interplay.api import tokens
from interplay.api.models import ApiToken, Scope
from interplay.api.services import create_token, revoke_token
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase


class TokenTests(BaseTestCase):
    def whoami(self, key: str | None) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.client.get("/api/v1/whoami", headers=headers)

    def test_a_therapist_makes_a_token_and_the_api_knows_them_by_it(self) -> None:
        token, key = create_token(actor=self.therapist, name="My notes app")
        self.assertTrue(key.startswith("ipl_"))
        self.assertNotIn(key, (token.digest, token.prefix))
        self.assertTrue(key.startswith(token.prefix))
        response = self.whoami(key)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["username"], body["scope"]), ("therapist", "read"))
        self.assertIn("therapist", body["roles"])
        token.refresh_from_db()
        self.assertIsNotNone(token.last_used_at)
        self.assertTrue(
            AuditEvent.objects.filter(action="api_token.created", actor=self.therapist).exists()
        )

    def test_the_token_carries_every_role_its_user_holds_as_of_each_request(self) -> None:
        _, key = create_token(actor=self.therapist, name="Two hats")
        grant_role(actor=self.admin, user=self.therapist, role=Role.SUPERVISOR)
        self.assertEqual(self.whoami(key).json()["roles"], ["supervisor", "therapist"])
        revoke_role(actor=self.admin, user=self.therapist, role=Role.SUPERVISOR)
        self.assertEqual(self.whoami(key).json()["roles"], ["therapist"])
        revoke_role(actor=self.admin, user=self.therapist, role=Role.THERAPIST)
        self.assertEqual(self.whoami(key).json()["roles"], [])

    def test_no_key_a_wrong_key_and_a_revoked_key_get_401_as_problem_json(self) -> None:
        token, key = create_token(actor=self.therapist, name="Feed")
        revoke_token(actor=self.therapist, token=token)
        for sent in (None, "ipl_not-a-key", "not even the prefix", key):
            response = self.whoami(sent)
            self.assertEqual(response.status_code, 401, sent)
            self.assertEqual(response["Content-Type"], "application/problem+json")
            self.assertIn("Bearer", response["WWW-Authenticate"])
            self.assertIn("/account/tokens/", response.json()["detail"])

    def test_an_expired_token_stops_working(self) -> None:
        token, key = create_token(
            actor=self.triage, name="Short", expires_at=timezone.now() + timedelta(hours=1)
        )
        self.assertEqual(self.whoami(key).status_code, 200)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
        self.assertEqual(self.whoami(key).status_code, 401)

    def test_a_deactivated_user_s_token_stops_working(self) -> None:
        _, key = create_token(actor=self.manager, name="Figures")
        self.manager.is_active = False
        self.manager.save(update_fields=["is_active"])
        self.assertEqual(self.whoami(key).status_code, 401)

    def test_only_the_owner_or_an_administrator_revokes(self) -> None:
        token, _ = create_token(actor=self.therapist, name="Mine", scope=Scope.READ_WRITE)
        with self.assertRaises(PermissionDenied):
            revoke_token(actor=self.outsider, token=token)
        revoke_token(actor=self.admin, token=token)
        token.refresh_from_db()
        self.assertEqual((token.revoked_by, token.is_live), (self.admin, False))
        event = AuditEvent.objects.get(action="api_token.revoked")
        self.assertEqual(event.actor, self.admin)

    def test_the_stored_digest_is_not_the_key(self) -> None:
        token, key = create_token(actor=self.therapist, name="x")
        self.assertEqual(token.digest, tokens.digest(key))
        self.assertIsNone(tokens.find(key.replace("ipl_", "ipl_x")))

    def test_an_expiry_in_the_past_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            create_token(
                actor=self.therapist, name="x", expires_at=timezone.now() - timedelta(days=1)
            )


class NotFoundTests(BaseTestCase):
    def test_an_address_no_route_matches_answers_in_the_api_s_own_shape(self) -> None:
        _, key = create_token(actor=self.therapist, name="x")
        headers = {"Authorization": f"Bearer {key}"}
        api = self.client.get("/api/v1/courses/not-a-uuid", headers=headers)
        self.assertEqual(api.status_code, 404)
        self.assertEqual(api["Content-Type"], "application/problem+json")
        self.assertIn("UUID", api.json()["detail"])
        fhir = self.client.get("/fhir/R4/Patient/not/a/route", headers=headers)
        self.assertEqual(fhir.status_code, 404)
        self.assertEqual(fhir.json()["resourceType"], "OperationOutcome")
        page = self.client.get("/no-such-page/")
        self.assertContains(page, "Page not found", status_code=404)

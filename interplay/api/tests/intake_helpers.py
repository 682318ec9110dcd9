"""A test case that calls the JSON API as a persona, with a token of theirs."""

import json
from typing import Any

from django.utils import timezone

from interplay.api.models import ApiToken, Scope
from interplay.api.services import create_token
from interplay.test import BaseTestCase


def gp_referral(**overrides: Any) -> dict[str, Any]:
    """A GP system's referral of an invented person, as JSON."""
    body: dict[str, Any] = {
        "first_name": "Robin",
        "last_name": "Testwell",
        "date_of_birth": "1990-05-17",
        "nhs_number": "943 476 5919",
        "address_line_1": "1 Example Street",
        "town": "Leeds",
        "postcode": "LS6 2AB",
        "phone": "07700 900123",
        "preferred_contact": "phone",
        "gp_practice": "Park Lane Surgery",
        "main_difficulties": "Low since a bereavement in the spring.",
        "duration": "3m_1y",
        "problem_areas": ["grief", "low_mood"],
        "consent_to_referral": True,
        "consent_to_gp_contact": True,
        "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0],
        "gad7": [1, 1, 1, 1, 1, 1, 1],
    }
    body.update(overrides)
    return body


class ApiTestCase(BaseTestCase):
    def key(self, user: Any, scope: str = Scope.READ_WRITE, notes: bool = False) -> str:
        _, key = create_token(actor=user, name="test", scope=scope, notes=notes)
        return key

    def call(
        self,
        method: str,
        path: str,
        key: str | None,
        body: Any = None,
        **headers: str,
    ) -> Any:
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = json.dumps(body) if body is not None else None
        return self.client.generic(
            method,
            f"/api/v1{path}",
            data=data or "",
            content_type="application/json",
            headers=headers,
        )

    def get(self, path: str, key: str | None, **headers: str) -> Any:
        return self.call("GET", path, key, **headers)

    def queries_of(self, path: str, key: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        # Not the token's last-used time, written at most once a minute: a slow test
        # would count it at one size and not the other.
        ApiToken.objects.update(last_used_at=timezone.now())
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.get(path, key).status_code, 200)
        return len(ctx.captured_queries)

    def assert_constant_queries(self, path: str, key: str, rows: Any) -> None:
        """The same number of queries for a list of 2 rows and of 20: ``rows(n)`` makes
        the list hold ``n``."""
        self.get(path, key)  # the token's last-used time is written once a minute
        rows(2)
        two = self.queries_of(path, key)
        rows(20)
        ApiToken.objects.update(last_used_at=timezone.now())
        with self.assertNumQueries(two):
            self.assertEqual(len(self.get(path, key).json()["items"]), 20)

    def post(self, path: str, key: str | None, body: Any, **headers: str) -> Any:
        return self.call("POST", path, key, body, **headers)

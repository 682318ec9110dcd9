"""What the tests of the API's clinical resources share: a token per persona and a
request with its key, as a client system would send it."""

from typing import Any

from interplay.accounts.models import User
from interplay.api.models import Scope
from interplay.api.services import create_token
from interplay.test import BaseTestCase


class ApiCase(BaseTestCase):
    """A therapist's client system, their supervisor's, and the rest of the service."""

    def key(self, user: User, *, write: bool = False, notes: bool = False) -> str:
        scope = Scope.READ_WRITE if write else Scope.READ
        _, key = create_token(actor=user, name="Client", scope=scope, notes=notes)
        return key

    def call(
        self,
        method: str,
        path: str,
        key: str | None,
        body: Any = None,
        **headers: str,
    ) -> Any:
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if key:
            sent["Authorization"] = f"Bearer {key}"
        send = getattr(self.client, method.lower())
        if body is None:
            return send(path, headers=sent)
        return send(path, body, content_type="application/json", headers=sent)

    def get(self, path: str, key: str | None, **headers: str) -> Any:
        return self.call("GET", path, key, **headers)

    def assert_problem(self, response: Any, status: int) -> dict[str, Any]:
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        body: dict[str, Any] = response.json()
        self.assertEqual(body["status"], status)
        return body

"""Every operation of the JSON API has a stated policy, and every persona's token meets it.

Walks the OpenAPI document, so a new endpoint without an entry in ``POLICY`` fails.

To add a route, add one line to ``POLICY``, keyed by the method and the path as the
OpenAPI document spells them (``"GET /api/v1/courses/{public_id}"``):

- ``Rule(Action.X)``: tokens of roles that the table allows X get ``ok`` (200); others 403.
- ``Rule(Action.X, Action.Y)``: either action lets a role through.
- ``scoped=True`` with a path of ids: nobody's caseload holds the sample ids, so the
  roles allowed get 404 (what another caseload's record answers) and the others 403.
- ``write=True``: a read-only token of an allowed role gets 403.
- ``body=``: the JSON sent (a valid one, so an allowed role is not stopped by 422);
  ``ok=201`` for a creation.
- ``notes=True``: the tokens are made with notes (session records' notes need them).
- ``params=``: a sample for each path parameter (``{"course_id": UNKNOWN}``).
- ``Rule()`` (no action): any live token.

Anonymous (no token) gets 401 everywhere.
"""

from typing import Any, ClassVar

from interplay.accounts.models import User
from interplay.accounts.permissions import POLICY as ROLE_POLICY
from interplay.accounts.permissions import Action
from interplay.api.models import Scope
from interplay.api.services import make_service_account
from interplay.api.tests.intake_helpers import ApiTestCase, gp_referral
from interplay.api.v1 import api
from interplay.test import course_for

UNKNOWN = "00000000-0000-4000-8000-000000000000"


class Rule:
    """Who may use one operation, and how to call it (see the module's docstring)."""

    def __init__(
        self,
        *actions: Action,
        scoped: bool = False,
        write: bool = False,
        body: Any = None,
        ok: int = 200,
        params: dict[str, str] | None = None,
        notes: bool = False,
    ) -> None:
        self.actions, self.scoped, self.write, self.notes = actions, scoped, write, notes
        self.body, self.ok, self.params = body, ok, params or {}


V1 = "/api/v1"
COURSE, SESSION, ALERT = ({name: UNKNOWN} for name in ("course_id", "appointment_id", "alert_id"))
RERATE = {"session": 1, "scores": {UNKNOWN: 5}}
ANSWERS = {"instrument": "phq9", "answers": {str(n): 0 for n in range(1, 10)}, "source": "paper"}
POLICY: dict[str, Rule] = {
    f"GET {V1}/whoami": Rule(),
    # Intake: referrals, patients, triage, waiting lists, figures.
    f"POST {V1}/referrals": Rule(Action.SUBMIT_REFERRAL, write=True, body=gp_referral(), ok=201),
    # A referral feed reads back only what it sent (test_feed_reads_back.py).
    f"GET {V1}/referrals": Rule(Action.VIEW_REFERRAL, Action.VIEW_SENT_REFERRALS),
    f"GET {V1}/referrals/{{public_id}}": Rule(
        Action.VIEW_REFERRAL, Action.VIEW_SENT_REFERRALS, scoped=True
    ),
    f"POST {V1}/referrals/{{public_id}}/decision": Rule(
        Action.TRIAGE_REFERRAL, scoped=True, write=True, body={"outcome": "offer_ipt"}
    ),
    f"GET {V1}/referrals/{{public_id}}/decision": Rule(Action.VIEW_REFERRAL, scoped=True),
    f"GET {V1}/patients": Rule(Action.MANAGE_RECORDS, Action.VIEW_REFERRAL, Action.VIEW_COURSE),
    f"GET {V1}/patients/{{public_id}}": Rule(
        Action.MANAGE_RECORDS, Action.VIEW_REFERRAL, Action.VIEW_COURSE, scoped=True
    ),
    f"GET {V1}/waiting-lists/{{modality}}": Rule(
        Action.VIEW_WAITING_LIST, params={"modality": "ipt"}
    ),
    f"GET {V1}/figures": Rule(Action.VIEW_SERVICE_FIGURES),
    # Therapy: courses, sessions, records, responses, alerts, problems, outcomes.
    f"GET {V1}/courses": Rule(Action.VIEW_COURSE),
    f"GET {V1}/courses/{{course_id}}": Rule(Action.VIEW_COURSE, scoped=True, params=COURSE),
    f"GET {V1}/courses/{{course_id}}/appointments": Rule(
        Action.VIEW_COURSE, scoped=True, params=COURSE
    ),
    f"GET {V1}/courses/{{course_id}}/outcome": Rule(Action.VIEW_COURSE, scoped=True, params=COURSE),
    f"GET {V1}/courses/{{course_id}}/problems": Rule(
        Action.VIEW_COURSE, scoped=True, params=COURSE
    ),
    f"POST {V1}/courses/{{course_id}}/problems/ratings": Rule(
        Action.RUN_COURSE, scoped=True, write=True, params=COURSE, body=RERATE
    ),
    f"GET {V1}/courses/{{course_id}}/responses": Rule(
        Action.VIEW_COURSE, scoped=True, params=COURSE
    ),
    f"GET {V1}/appointments/{{appointment_id}}": Rule(
        Action.VIEW_COURSE, scoped=True, params=SESSION
    ),
    f"POST {V1}/appointments/{{appointment_id}}/attendance": Rule(
        Action.RUN_COURSE, scoped=True, write=True, params=SESSION, body={"status": "attended"}
    ),
    f"GET {V1}/appointments/{{appointment_id}}/record": Rule(
        Action.VIEW_COURSE, scoped=True, params=SESSION
    ),
    f"GET {V1}/appointments/{{appointment_id}}/record/notes": Rule(
        Action.VIEW_COURSE, scoped=True, params=SESSION, notes=True
    ),
    f"PATCH {V1}/appointments/{{appointment_id}}/record": Rule(
        Action.RUN_COURSE, scoped=True, write=True, params=SESSION, body={"risk_checked": True}
    ),
    f"POST {V1}/appointments/{{appointment_id}}/record/sign": Rule(
        Action.RUN_COURSE, scoped=True, write=True, params=SESSION
    ),
    f"POST {V1}/appointments/{{appointment_id}}/responses": Rule(
        Action.RUN_COURSE, scoped=True, write=True, params=SESSION, body=ANSWERS
    ),
    f"GET {V1}/alerts": Rule(Action.VIEW_ALERTS),
    f"GET {V1}/alerts/{{alert_id}}": Rule(Action.VIEW_ALERTS, scoped=True, params=ALERT),
    f"POST {V1}/alerts/{{alert_id}}/acknowledge": Rule(
        Action.VIEW_ALERTS, scoped=True, write=True, params=ALERT, body={"action_note": "Rang"}
    ),
}


def operations() -> list[str]:
    schema = api.get_openapi_schema()
    return sorted(
        f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops
    )


class RoutePolicyTests(ApiTestCase):
    feed: ClassVar[User]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.feed, _, _ = make_service_account(actor=None, username="gp-feed")

    def personas(self) -> dict[str, Any]:
        return {
            "therapist": self.therapist,
            "supervisor": self.supervisor,
            "triage": self.triage,
            "manager": self.manager,
            "admin": self.admin,
            "outsider": self.outsider,
            "feed": self.feed,
        }

    def test_every_operation_has_a_policy(self) -> None:
        missing = [name for name in operations() if name not in POLICY]
        self.assertEqual(missing, [], "Add these operations to POLICY in test_route_policy.py")
        stale = [name for name in POLICY if name not in operations()]
        self.assertEqual(stale, [], "These POLICY entries name no operation")

    def test_every_persona_s_token_gets_what_the_policy_says(self) -> None:
        for name, rule in POLICY.items():
            method, path = name.split(" ", 1)
            url = self.url(path, rule)
            got = self.call(method, url, None, rule.body)
            self.assertEqual(got.status_code, 401, f"anonymous {name}")
            for label, user in self.personas().items():
                allowed = not rule.actions or any(
                    user.roles & {role.value for role in ROLE_POLICY[action]}
                    for action in rule.actions
                )
                expected = (404 if rule.scoped else rule.ok) if allowed else 403
                got = self.call(method, url, self.key(user, notes=rule.notes), rule.body)
                self.assertEqual(got.status_code, expected, f"{label} {name}: {got.content!r}")
                if rule.write and allowed:
                    read_only = self.key(user, scope=Scope.READ)
                    got = self.call(method, url, read_only, rule.body)
                    self.assertEqual(got.status_code, 403, f"{label} read-only {name}")

    def test_a_therapist_s_token_reaches_only_their_caseload(self) -> None:
        theirs = course_for(self.outsider, first_name="Theirs")
        key = self.key(self.therapist)
        self.assertEqual(self.get(f"/patients/{theirs.patient.public_id}", key).status_code, 404)
        self.assertEqual(self.get("/patients", key).json()["items"], [])
        self.assertEqual(
            self.get(f"/patients/{theirs.patient.public_id}", self.key(self.outsider)).status_code,
            200,
        )

    def url(self, path: str, rule: Rule) -> str:
        for name in ("public_id",):
            path = path.replace(f"{{{name}}}", UNKNOWN)
        for name, value in rule.params.items():
            path = path.replace(f"{{{name}}}", value)
        self.assertNotIn("{", path, f"Give POLICY a sample for {path}")
        return path.removeprefix(V1)

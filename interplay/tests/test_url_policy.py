"""Every URL has a stated policy, and every persona meets exactly that policy.

Walks the URL resolver: a new route without an entry here fails the suite.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from interplay.accounts.permissions import POLICY as ROLE_POLICY
from interplay.accounts.permissions import Action
from interplay.test import BaseTestCase, make_letter, make_referral


# name: (kwargs for reverse, expectation). An expectation is an Action (anonymous: sign
# in; roles the table allows: 200; other staff: 403) or (anonymous status, staff status).
@dataclass(frozen=True)
class Scoped:
    """Roles the action allows get 404 for an object outside their scope; others 403."""

    action: Action


SAMPLE_UNKNOWN = "00000000-0000-4000-8000-000000000000"
SAMPLE_REFERRAL = "referral"
SAMPLE_LETTER = "letter"
SAMPLE_PATIENT = "patient"
POLICY: dict[str, tuple[dict[str, Any], Any]] = {
    # Staff past the second factor go on to their first screen (today.landing).
    "home": ({}, (200, 302)),
    "today:screens": ({}, (302, 200)),
    "today:therapist": ({}, Action.RUN_COURSE),
    "today:triage": ({}, Action.VIEW_TRIAGE_QUEUE),
    "healthz": ({}, (200, 200)),
    "accounts:login": ({}, (200, 302)),
    "accounts:logout": ({}, (405, 405)),
    "accounts:verify": ({}, (302, 302)),
    "accounts:setup": ({}, (302, 302)),
    "accounts:backup_codes": ({}, (302, 405)),
    "accounts:password_reset": ({}, (200, 200)),
    "accounts:password_reset_done": ({}, (200, 200)),
    "accounts:password_reset_confirm": ({"uidb64": "MQ", "token": "x-y"}, (200, 200)),
    "accounts:password_reset_complete": ({}, (200, 200)),
    "referrals:start": ({}, (200, 200)),
    "referrals:urgent_help": ({}, (200, 200)),
    "referrals:eligibility": ({}, (200, 200)),
    "referrals:not_eligible": ({"reason": "age"}, (200, 200)),
    "referrals:details": ({}, (302, 302)),
    "referrals:confirmation": ({"token": "forged"}, (404, 404)),
    "referrals:detail": ({"public_id": SAMPLE_REFERRAL}, Action.VIEW_REFERRAL),
    "triage:queue": ({}, Action.VIEW_TRIAGE_QUEUE),
    "audit:events": ({}, Action.VIEW_AUDIT),
    "audit:referral_access": ({"public_id": SAMPLE_REFERRAL}, Action.VIEW_AUDIT),
    "letters:pdf": ({"public_id": SAMPLE_LETTER}, Action.VIEW_LETTER),
    "triage:referral": ({"public_id": SAMPLE_REFERRAL}, Action.TRIAGE_REFERRAL),
    "triage:assessment": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "triage:contact": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "triage:decision": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "triage:withdraw": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "triage:allocate": ({"public_id": SAMPLE_REFERRAL}, Action.ALLOCATE),
    "triage:capacity": ({}, Action.ALLOCATE),
    "triage:opt_in": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "triage:merge": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "triage:undo_merge": ({"merge_id": "00000000-0000-4000-8000-000000000000"}, (405, 405)),
    "triage:confirm_merge": ({"merge_id": "00000000-0000-4000-8000-000000000000"}, (405, 405)),
    "waiting_list:index": ({}, Action.VIEW_WAITING_LIST),
    "waiting_list:modality": ({"modality": "ipt"}, Action.VIEW_WAITING_LIST),
    "patients:find": ({}, Action.MANAGE_RECORDS),
    "patients:detail": ({"public_id": SAMPLE_PATIENT}, Action.MANAGE_RECORDS),
    "patients:consent": ({"public_id": SAMPLE_PATIENT}, (405, 405)),
    "patients:export_json": ({"public_id": SAMPLE_PATIENT}, Action.MANAGE_RECORDS),
    "patients:export_pdf": ({"public_id": SAMPLE_PATIENT}, Action.MANAGE_RECORDS),
    "patients:erase": ({"public_id": SAMPLE_REFERRAL}, Action.MANAGE_RECORDS),
    "caseload": ({}, Action.RUN_COURSE),
    "calendar": ({}, Action.RUN_COURSE),
    "calendar_issue": ({}, (405, 405)),
    "calendar_revoke": ({}, (405, 405)),
    "calendar_feed": ({"token": "not-a-real-token"}, (404, 404)),
    "monitoring:alerts": ({}, Action.VIEW_ALERTS),
    "supervision:index": ({}, Action.SUPERVISE),
    "supervision:note": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.SUPERVISE)),
    "monitoring:alert": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_ALERTS)),
    "monitoring:enter": (
        {"public_id": SAMPLE_UNKNOWN, "code": "phq9"},
        Scoped(Action.RUN_COURSE),
    ),
    # The portal is the patients': staff are strangers to it like anyone else.
    "portal:home": ({}, (200, 200)),
    "portal:request_link": ({}, (405, 405)),
    "portal:link": ({"token": "forged"}, (410, 410)),
    "portal:code": ({}, (302, 302)),
    "portal:authenticator": ({}, (302, 302)),
    "portal:remove_authenticator": ({}, (405, 405)),
    "portal:questionnaire": ({"public_id": SAMPLE_UNKNOWN, "code": "phq9"}, (302, 302)),
    "portal:answered": ({"public_id": SAMPLE_UNKNOWN}, (302, 302)),
    "portal:sign_out": ({}, (405, 405)),
    "portal:rate_problem": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "portal:note_task": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "portal:letter_pdf": ({"public_id": SAMPLE_UNKNOWN}, (302, 302)),
    "portal:circle": ({}, (302, 302)),
    # Nobody's caseload holds the sample: roles that may use the page meet 404.
    "courses:start": ({"public_id": SAMPLE_REFERRAL}, Scoped(Action.RUN_COURSE)),
    "courses:confirm": ({"public_id": SAMPLE_REFERRAL}, (405, 405)),
    "courses:detail": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "courses:session": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "courses:end": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "courses:shift": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "courses:attendance": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "courses:reschedule": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "courses:task_done": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "encounters:record": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "measures:instruments": ({}, Action.CONFIGURE_SERVICE),
    "measures:import": ({}, Action.CONFIGURE_SERVICE),
    "measures:active": ({"code": "phq9", "version": "1"}, (405, 405)),
    "measures:export": ({"code": "phq9", "version": "1"}, Action.CONFIGURE_SERVICE),
    "encounters:save": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "encounters:sign": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "encounters:addendum": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "formulation:page": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "formulation:person": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "formulation:focus_history": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "formulation:add_person": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.RUN_COURSE)),
    "formulation:edit_person": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.RUN_COURSE)),
    "formulation:place": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.RUN_COURSE)),
    "formulation:add_event": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.RUN_COURSE)),
    "formulation:focus": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.RUN_COURSE)),
    "progress:problems": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "progress:add_problem": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "progress:rerate": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "progress:share_problem": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "progress:share_task": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "progress:ending": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "progress:save_ending": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "progress:letters": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "progress:save_letter": ({"public_id": SAMPLE_UNKNOWN, "kind": "goodbye"}, (405, 405)),
    "progress:produce": ({"public_id": SAMPLE_UNKNOWN, "kind": "goodbye"}, (405, 405)),
    "progress:share_letter": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "progress:letter_pdf": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_COURSE)),
    "reports:dashboard": ({}, Action.VIEW_SERVICE_FIGURES),
    "reports:list": ({"figure": "finished"}, Action.VIEW_SERVICE_FIGURES),
    "reports:list_csv": ({"figure": "finished"}, Action.VIEW_SERVICE_FIGURES),
    "reports:table_csv": ({"table": "outcomes"}, Action.VIEW_SERVICE_FIGURES),
    "settings:index": ({}, Action.CONFIGURE_SERVICE),
    "settings:words": ({}, Action.CONFIGURE_SERVICE),
    "settings:rules": ({}, Action.CONFIGURE_SERVICE),
    "settings:rooms": ({}, Action.CONFIGURE_SERVICE),
    "settings:room": ({"pk": 999999}, Scoped(Action.CONFIGURE_SERVICE)),
    "settings:closures": ({}, Action.CONFIGURE_SERVICE),
    "settings:remove_closure": ({"pk": 999999}, (405, 405)),
    "hours:staff": ({}, Action.MANAGE_WORKING_HOURS),
    "today:administrator": ({}, Action.MANAGE_USERS),
    "today:retry_job": ({"job_id": SAMPLE_UNKNOWN}, (405, 405)),
    "today:unlock": ({"pk": 999999}, (405, 405)),
    "hours:week": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.MANAGE_WORKING_HOURS)),
    "hours:leave": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.MANAGE_WORKING_HOURS)),
    "hours:cancel_leave": ({"public_id": SAMPLE_UNKNOWN, "pk": 999999}, (405, 405)),
    # Every therapist persona has a clinician profile: their own hours open.
    "hours:my_week": ({}, Action.KEEP_OWN_HOURS),
    "hours:my_leave": ({}, Action.KEEP_OWN_HOURS),
    "hours:my_cancel_leave": ({"pk": 999999}, (405, 405)),
    # Anyone signed in past the second factor keeps their own API tokens.
    "tokens:list": ({}, (302, 200)),
    "tokens:new": ({}, (302, 200)),
    "tokens:revoke": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:index": ({}, Action.VIEW_GROUPS),
    "groups:form": ({}, Action.FORM_GROUP),
    "groups:detail": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_GROUPS)),
    "groups:invite": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:start": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:end": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:session": ({"public_id": SAMPLE_UNKNOWN}, Scoped(Action.VIEW_GROUPS)),
    "groups:attendance": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:record": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:sign": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "groups:leave": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
    "portal:group": ({}, (302, 302)),
    "portal:group_answer": ({"public_id": SAMPLE_UNKNOWN}, (405, 405)),
}
ADMIN_NAMESPACE = "admin"
# The JSON API and FHIR answer tokens, not sessions: their routes have their own tables
# (interplay/api/tests/test_route_policy.py, interplay/api/tests/test_fhir_routes.py).
API_NAMESPACE = "api-v1"
FHIR_NAMESPACE = "fhir"


def all_url_names(patterns: list[Any] | None = None, prefix: str = "") -> list[str]:
    names = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names += all_url_names(entry.url_patterns, space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return names


class UrlPolicyTests(BaseTestCase):
    def test_every_route_has_a_policy(self) -> None:
        missing = [
            name
            for name in all_url_names()
            if name not in POLICY
            and not name.startswith(
                (f"{ADMIN_NAMESPACE}:", f"{API_NAMESPACE}:", f"{FHIR_NAMESPACE}:")
            )
        ]
        self.assertEqual(missing, [], "Add these routes to POLICY in test_url_policy.py")

    def test_every_persona_gets_what_the_policy_says(self) -> None:
        referral = make_referral(email="")
        samples = {
            SAMPLE_REFERRAL: referral.public_id,
            SAMPLE_LETTER: make_letter().public_id,
            SAMPLE_PATIENT: referral.patient.public_id if referral.patient else None,
        }
        personas = {
            "therapist": self.therapist,
            "supervisor": self.supervisor,
            "triage": self.triage,
            "manager": self.manager,
            "admin": self.admin,
            "outsider": self.outsider,
        }
        for name, (kwargs, expectation) in POLICY.items():
            kwargs = {k: samples.get(v, v) for k, v in kwargs.items()}
            url = reverse(name, kwargs=kwargs)
            self.client.logout()
            guarded = isinstance(expectation, Action | Scoped)
            expected_anonymous = 302 if guarded else expectation[0]
            got = self.client.get(url)
            self.assertEqual(got.status_code, expected_anonymous, f"anonymous {name}")
            self.assert_not_stored(got, f"anonymous {name}")
            if guarded:
                self.assertIn(reverse("accounts:login"), got["Location"], name)
            for label, user in personas.items():
                self.sign_in(user)
                if guarded:
                    action = expectation.action if isinstance(expectation, Scoped) else expectation
                    allowed = user.roles & {role.value for role in ROLE_POLICY[action]}
                    expected = (404 if isinstance(expectation, Scoped) else 200) if allowed else 403
                else:
                    expected = expectation[1]
                got = self.client.get(url)
                self.assertEqual(got.status_code, expected, f"{label} {name}")
                self.assert_not_stored(got, f"{label} {name}")

    def assert_not_stored(self, response: Any, label: str) -> None:
        """No browser or proxy may keep a copy: every answer, whatever its status."""
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        self.assertIn("no-store", directives, f"{label} may be cached")

    def test_no_route_answers_trace_or_other_unexpected_methods(self) -> None:
        referral = make_referral(email="")
        samples = {
            SAMPLE_REFERRAL: referral.public_id,
            SAMPLE_LETTER: make_letter().public_id,
            SAMPLE_PATIENT: referral.patient.public_id if referral.patient else None,
        }
        self.sign_in(self.triage)
        for name, (kwargs, _) in POLICY.items():
            kwargs = {k: samples.get(v, v) for k, v in kwargs.items()}
            url = reverse(name, kwargs=kwargs)
            for method in ("TRACE", "PUT", "PATCH", "DELETE"):
                got = self.client.generic(method, url)
                self.assertIn(got.status_code, {302, 405}, f"{method} {name} answered {got}")
                self.assert_not_stored(got, f"{method} {name}")

    def test_a_posted_form_and_the_admin_are_not_stored_but_static_files_are(self) -> None:
        # The self-referral's answers come back beside their fields when one is wrong.
        start = self.client.post(reverse("referrals:eligibility"), {"age": "not a number"})
        self.assert_not_stored(start, "self-referral eligibility POST")
        self.sign_in(self.admin)
        self.assert_not_stored(self.client.get(reverse("admin:index")), "admin")
        css = self.client.get("/static/build/interplay.css")
        self.assertEqual(css.status_code, 200)
        self.assertNotIn("no-store", css.get("Cache-Control", ""))

    def test_only_administrators_open_the_admin(self) -> None:
        index = reverse("admin:index")
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            response = self.client.get(index, follow=True)
            # One answer, not a loop of redirects between two sign-in pages.
            self.assertEqual((response.status_code, response.redirect_chain), (403, []), user)
            self.assertContains(response, "You cannot see this page", status_code=403)
        self.sign_in(self.admin)
        self.assertEqual(self.client.get(index).status_code, 200)

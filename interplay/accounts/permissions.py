"""The role x action table, written once as data, and the checks that read it.

Every app asks ``can(user, Action.X)``; no view or service tests roles by name. Object
scoping (which referrals, which caseload) lives in each app's own permissions.py.
"""

from enum import StrEnum
from typing import Any

from interplay.accounts.roles import Role


class Action(StrEnum):
    VIEW_TRIAGE_QUEUE = "view_triage_queue"
    VIEW_REFERRAL = "view_referral"
    VIEW_LETTER = "view_letter"
    TRIAGE_REFERRAL = "triage_referral"
    VIEW_WAITING_LIST = "view_waiting_list"
    ALLOCATE = "allocate"
    RUN_COURSE = "run_course"
    VIEW_COURSE = "view_course"
    SUPERVISE = "supervise"
    VIEW_ALERTS = "view_alerts"
    MANAGE_USERS = "manage_users"
    GRANT_QUALIFICATION = "grant_qualification"
    VIEW_AUDIT = "view_audit"
    CONFIGURE_SERVICE = "configure_service"
    MANAGE_WORKING_HOURS = "manage_working_hours"
    KEEP_OWN_HOURS = "keep_own_hours"
    MANAGE_RECORDS = "manage_records"
    RECORD_CONSENT = "record_consent"
    VIEW_SERVICE_FIGURES = "view_service_figures"
    SUBMIT_REFERRAL = "submit_referral"
    VIEW_SENT_REFERRALS = "view_sent_referrals"
    VIEW_GROUPS = "view_groups"
    FORM_GROUP = "form_group"
    RUN_GROUP = "run_group"


POLICY: dict[Action, frozenset[Role]] = {
    Action.VIEW_TRIAGE_QUEUE: frozenset({Role.TRIAGE, Role.SUPERVISOR}),
    Action.VIEW_REFERRAL: frozenset({Role.TRIAGE, Role.SUPERVISOR}),
    Action.VIEW_LETTER: frozenset({Role.TRIAGE, Role.SUPERVISOR}),
    Action.TRIAGE_REFERRAL: frozenset({Role.TRIAGE, Role.SUPERVISOR}),
    Action.VIEW_WAITING_LIST: frozenset({Role.TRIAGE, Role.SUPERVISOR}),
    Action.ALLOCATE: frozenset({Role.TRIAGE, Role.SUPERVISOR}),
    Action.RUN_COURSE: frozenset({Role.THERAPIST}),
    Action.VIEW_COURSE: frozenset({Role.THERAPIST, Role.SUPERVISOR}),
    Action.SUPERVISE: frozenset({Role.SUPERVISOR}),
    # Risk alerts reach the therapist who must act and the supervisor who must see.
    Action.VIEW_ALERTS: frozenset({Role.THERAPIST, Role.SUPERVISOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMINISTRATOR}),
    Action.GRANT_QUALIFICATION: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_AUDIT: frozenset({Role.ADMINISTRATOR}),
    Action.CONFIGURE_SERVICE: frozenset({Role.ADMINISTRATOR}),
    # Anyone's working hours and leave; a therapist keeps their own (KEEP_OWN_HOURS).
    Action.MANAGE_WORKING_HOURS: frozenset({Role.ADMINISTRATOR}),
    Action.KEEP_OWN_HOURS: frozenset({Role.THERAPIST}),
    # Information governance (subject access, erasure, retention) is the administrators'.
    Action.MANAGE_RECORDS: frozenset({Role.ADMINISTRATOR}),
    Action.RECORD_CONSENT: frozenset({Role.ADMINISTRATOR, Role.TRIAGE}),
    # The service's figures: counts and references, never free text or notes.
    Action.VIEW_SERVICE_FIGURES: frozenset({Role.SERVICE_MANAGER, Role.ADMINISTRATOR}),
    # Sending a referral in by the API (a GP system's feed; triage entering one taken by
    # phone). The public refers themselves on the pages, where no role is asked for.
    Action.SUBMIT_REFERRAL: frozenset({Role.REFERRAL_FEED, Role.TRIAGE}),
    # A feed reads back the referrals it sent itself, and only those, to learn whether
    # each was triaged (``referrals.permissions.sent_referrals``). It holds nothing else:
    # no page opens to it, and it reads no other record, no note and no decision.
    Action.VIEW_SENT_REFERRALS: frozenset({Role.REFERRAL_FEED}),
    # Group IPT: facilitators (therapists) and managers form groups from the waiting
    # list; facilitators run them; supervisors see their supervisees' groups and
    # managers each group's counts, never its notes.
    Action.VIEW_GROUPS: frozenset({Role.THERAPIST, Role.SUPERVISOR, Role.SERVICE_MANAGER}),
    Action.FORM_GROUP: frozenset({Role.THERAPIST, Role.SERVICE_MANAGER}),
    Action.RUN_GROUP: frozenset({Role.THERAPIST}),
}


def can(user: Any, action: Action) -> bool:
    """Whether ``user`` holds a role that the table allows ``action`` for."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_role(*POLICY[action]))


def roles_allowed(action: Action) -> frozenset[Role]:
    return POLICY[action]

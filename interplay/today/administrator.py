"""The administrator's day: what needs them now, in the order it matters.

Each panel is one query, whatever the number of jobs, accounts or qualifications:
failed jobs (``clinic.jobs``), the age of the last backup and audit anchor (the newest
``backup.made`` and ``audit.anchored`` audit events), accounts django-axes has locked
out, staff without an authenticator app, and qualifications lapsed or lapsing soon.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from interplay.accounts.models import AuthenticatorApp, Qualification, RoleAssignment, User
from interplay.accounts.roles import SYSTEM_ROLES
from interplay.audit.models import AuditEvent
from interplay.clinic import jobs

# How soon a lapsing qualification is worth an administrator's attention.
QUALIFICATION_NOTICE_DAYS = 60
# A backup or an anchor older than this is overdue: both are meant to run daily.
OVERDUE = dt.timedelta(days=1)


@dataclass(frozen=True)
class LastRun:
    """When a daily operator's command last ran, and whether that is too long ago."""

    what: str
    command: str
    at: dt.datetime | None
    now: dt.datetime

    @property
    def overdue(self) -> bool:
        return self.at is None or self.now - self.at > OVERDUE


def context(request: HttpRequest) -> dict[str, Any]:
    """The panels of the administrator's first screen, for ``today/administrator.html``."""
    now = timezone.now()
    failed = [jobs.describe(job) for job in jobs.failed()[: jobs.SHOWN]]
    runs = [
        LastRun("backup", "manage.py backup", last_event("backup.made"), now),
        LastRun("audit anchor", "manage.py audit_anchor", last_event("audit.anchored"), now),
    ]
    return {
        "failed_jobs": failed,
        "runs": runs,
        "locked_out": list(locked_out(now)),
        "without_second_factor": list(without_second_factor()),
        "qualifications": list(qualifications_lapsing(timezone.localdate())),
        "notice_days": QUALIFICATION_NOTICE_DAYS,
        "today": timezone.localdate(),
    }


def last_event(action: str) -> dt.datetime | None:
    """When the newest audit event of ``action`` happened, if ever."""
    return (
        AuditEvent.objects.by_action(action).order_by("-sequence").values_list("at", flat=True)
    ).first()


def locked_out(now: dt.datetime) -> QuerySet[AccessAttempt]:
    """Staff usernames django-axes is refusing now: enough failures inside the cool-off.

    Attempts at names no account has (guesses) are left out: there is nothing to unlock.
    """
    return (
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
        )
        .filter(Exists(User.objects.filter(username=OuterRef("username"))))
        .order_by("-attempt_time")
        .only("id", "username", "attempt_time", "failures_since_start")
    )


def without_second_factor() -> QuerySet[User]:
    """Active staff (anyone holding a role for people) who have no authenticator app set
    up. A system's account (a GP system's referral feed) is not one: it never signs in to
    a page, so it has no second factor to set up; its token is its only way in."""
    people = RoleAssignment.objects.filter(user=OuterRef("pk")).exclude(role__in=SYSTEM_ROLES)
    return (
        User.objects.filter(is_active=True)
        .filter(Exists(people))
        .exclude(Exists(AuthenticatorApp.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("last_name", "first_name", "username")
    )


def qualifications_lapsing(today: dt.date) -> QuerySet[Qualification]:
    """Qualifications lapsed, or lapsing within the notice period, soonest first."""
    return (
        Qualification.objects.filter(
            expires_on__lte=today + dt.timedelta(days=QUALIFICATION_NOTICE_DAYS),
            profile__user__is_active=True,
        )
        .select_related("profile__user")
        .order_by("expires_on", "profile__user__last_name")
    )

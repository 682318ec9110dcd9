"""The list behind a figure: the courses or referrals a tally counts, as plain rows.

A row holds references, dates, the modality, the therapist and scores: never a name of
the person, never free text or notes (the service's figures are for managers, who see
references only). The rows are ``figures.rows_of``: exactly what the figure counts.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.courses.models import CourseStatus
from interplay.referrals.models import ReferralSource, ReferralStatus
from interplay.reports import figures
from interplay.reports.capacity import therapist_name
from interplay.reports.figures import COURSES, Filters, Policy, Tally

MODALITIES = dict(Modality.choices)
SOURCES = dict(ReferralSource.choices)
COURSE_STATUSES = dict(CourseStatus.choices)
REFERRAL_STATUSES = dict(ReferralStatus.choices)

COURSE_HEADERS = [
    "Referral",
    "Source",
    "Referred",
    "First session",
    "Ended",
    "How it ended",
    "Therapy",
    "Therapist",
    "Days waited",
    "Sessions attended",
    "Missed",
    "Cancelled by the person",
    "Cancelled by the service",
    "PHQ-9 first to last",
    "GAD-7 first to last",
    "Outcome",
]
REFERRAL_HEADERS = ["Referral", "Source", "Received", "Status", "Therapy offered", "Triaged"]


def rows(tally: Tally, filters: Filters, policy: Policy) -> QuerySet[Any]:
    """The rows behind ``tally``, oldest first, reading only the columns shown."""
    found = figures.rows_of(tally, filters, policy)
    if tally.table == COURSES:
        return found.select_related("course__referral", "therapist").order_by(
            "referred_on", "course_id"
        )
    return found.select_related("decision").order_by("received_at", "pk")


def total(tally: Tally, filters: Filters, policy: Policy) -> int:
    """What a summed tally adds up to over its rows (its figure)."""
    found = figures.rows_of(tally, filters, policy)
    return int(found.aggregate(n=Coalesce(Sum(tally.value()), 0))["n"])


def headers(tally: Tally) -> list[str]:
    base = COURSE_HEADERS if tally.table == COURSES else REFERRAL_HEADERS
    return [*base, tally.label] if tally.total else list(base)


def cells(tally: Tally, row: Any, policy: Policy) -> list[str]:
    if tally.table != COURSES:
        return referral_cells(row)
    found = course_cells(row, policy)
    if tally.total:
        found.append(str(sum(getattr(row, name) for name in tally.total)))
    return found


def all_cells(tally: Tally, found: Any, policy: Policy) -> Iterator[list[str]]:
    for row in found:
        yield cells(tally, row, policy)


def day(value: dt.date | dt.datetime | None) -> str:
    """A date as "12 Jan 2026"; a moment by its day where the service is."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%b %Y}"


def course_cells(row: Any, policy: Policy) -> list[str]:
    return [
        row.course.referral.reference,
        SOURCES.get(row.referral_source, row.referral_source),
        day(row.referred_on),
        day(row.first_session_on),
        day(row.ended_on),
        COURSE_STATUSES.get(row.status, row.status) if row.ended_on else "",
        MODALITIES.get(row.modality, row.modality),
        therapist_name(row.therapist),
        "" if row.wait_days is None else str(row.wait_days),
        str(row.attended),
        str(row.did_not_attend),
        str(row.cancelled_by_patient),
        str(row.cancelled_by_service),
        first_to_last(row.phq9_first, row.phq9_last),
        first_to_last(row.gad7_first, row.gad7_last),
        outcome_words(row, policy),
    ]


def first_to_last(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    return str(first) if last is None else f"{first} to {last}"


def outcome_words(row: Any, policy: Policy) -> str:
    """The flags of a course's row in words, under the service's mixed-change rule."""
    if not row.paired:
        return "At caseness, scores not paired" if row.at_caseness else "Scores not paired"
    mixed = row.reliable_fall and row.reliable_rise
    words = ["At caseness" if row.at_caseness else "Not at caseness"]
    if row.recovered:
        words.append("recovered")
    if row.reliable_fall and not row.reliable_rise:
        words.append("reliably improved")
    if row.reliable_rise and not (mixed and policy.mixed_change_rule == "no_change"):
        words.append("reliably deteriorated")
    if mixed:
        words.append("mixed change")
    return ", ".join(words)


def referral_cells(row: Any) -> list[str]:
    decision = getattr(row, "decision", None)
    return [
        row.reference,
        SOURCES.get(row.source, row.source),
        day(row.received_at),
        REFERRAL_STATUSES.get(row.status, row.status),
        MODALITIES.get(decision.modality, "") if decision else "",
        day(decision.decided_at) if decision else "",
    ]

"""EpisodeOfCare: a course of therapy (``courses.Course``) with one therapist, on the
protocol it began with; its referral is the ServiceRequest it answers."""

from functools import cache
from typing import Any

from django.db.models import F

from interplay.accounts.roles import Modality
from interplay.api.fhir import access
from interplay.api.fhir.base import SYSTEM_BASE, coding, instant, reference, validate
from interplay.api.fhir.prepared import RowsByKeys
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
    updated_param,
)
from interplay.courses.models import Course, CourseStatus

# What the resource shows, and nothing else, as plain values (``.values()``): the
# referral's words and the patient's record (encrypted) are never read, so never
# decrypted, no model is built for a row, and every column not read is one value fewer
# for Django to convert.
SHOWN = (
    "pk",
    "public_id",
    "updated_at",
    "status",
    "modality",
    "protocol_code",
    "protocol_version",
    "planned_sessions",
    "start_date",
    "agreed_end_date",
    "ended_at",
)
RELATED = {
    "patient_public_id": F("patient__public_id"),
    "referral_public_id": F("referral__public_id"),
    "therapist_first_name": F("therapist__first_name"),
    "therapist_last_name": F("therapist__last_name"),
}
MODALITY_SYSTEM = SYSTEM_BASE + "modality"
OUTCOME_SYSTEM = SYSTEM_BASE + "course-status"
STATUS = {
    "active": (CourseStatus.ACTIVE,),
    "finished": tuple(s for s in CourseStatus if s != CourseStatus.ACTIVE),
}


@cache
def labels() -> tuple[dict[str, str], dict[str, str]]:
    """Each modality's and status's label, as ``get_modality_display`` and
    ``get_status_display`` give them: made once, on first use (not at import, before
    translations are ready)."""
    return (
        {str(value): str(label) for value, label in Modality.choices},
        {str(value): str(label) for value, label in CourseStatus.choices},
    )


def to_fhir(course: dict[str, Any]) -> dict[str, Any]:
    """``course``: a row of ``fetch``, its values by name."""
    period: dict[str, str] = {"start": course["start_date"].isoformat()}
    if course["ended_at"]:
        period["end"] = instant(course["ended_at"])
    modalities, statuses = labels()
    modality = modalities.get(course["modality"], course["modality"])
    status = course["status"]
    therapist = f"{course['therapist_first_name']} {course['therapist_last_name']}"
    data: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(course["public_id"]),
        "meta": {"lastUpdated": instant(course["updated_at"])},
        "status": "active" if status == CourseStatus.ACTIVE else "finished",
        "type": [
            {
                "coding": [
                    coding(MODALITY_SYSTEM, course["modality"], modality),
                    coding(OUTCOME_SYSTEM, status, statuses.get(status, status)),
                ],
                "text": f"{modality}: {course['planned_sessions']} sessions "
                f"({course['protocol_code']}, version {course['protocol_version']}), agreed "
                f"end {course['agreed_end_date']:%d %B %Y}",
            }
        ],
        "patient": reference("Patient", course["patient_public_id"]),
        "referralRequest": [reference("ServiceRequest", course["referral_public_id"])],
        "careManager": {"display": therapist.strip()},
        "period": period,
    }
    return validate(data)


def scope(user: Any) -> Any:
    return access.courses(user)


def fetch(rows: Any) -> Any:
    return rows.values(*SHOWN, **RELATED)


def audited(course: dict[str, Any]) -> tuple[str, Course]:
    """Audited against the course: its key and public id are all the audit trail names,
    and the row holds both."""
    return "course.viewed", Course(pk=course["pk"], public_id=course["public_id"])


KIND = Kind(
    name="EpisodeOfCare",
    readers=access.COURSE_READERS,
    scope=scope,
    build=lambda course: [to_fhir(course)],
    params=(
        id_param(),
        patient_param("patient__public_id"),
        Param(
            "status",
            "token",
            "active (in progress) or finished (completed, dropped out, discharged, referred on).",
            token_filter({code: list(values) for code, values in STATUS.items()}),
        ),
        Param(
            "date",
            "date",
            "The course's first session date.",
            date_filter("start_date", is_date=True),
        ),
        updated_param(
            "updated_at",
            "when the course or one of its sessions last changed (started, a session moved "
            "or its attendance recorded, ended)",
        ),
    ),
    audited=audited,
    fetch=fetch,
    by_keys=RowsByKeys(Course, fetch),
)

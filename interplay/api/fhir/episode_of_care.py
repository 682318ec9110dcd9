"""EpisodeOfCare: a course of therapy (``courses.Course``) with one therapist, on the
protocol it began with; its referral is the ServiceRequest it answers."""

from typing import Any

from interplay.api.fhir import access
from interplay.api.fhir.base import SYSTEM_BASE, coding, instant, reference, validate
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

# What the resource shows, and nothing else: the referral's words and the patient's
# record (encrypted) are never read, so never decrypted, and every column not read is one
# value fewer for Django to convert.
SHOWN = (
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
    "patient",
    "patient__public_id",
    "referral",
    "referral__public_id",
    "therapist",
    "therapist__first_name",
    "therapist__last_name",
)
MODALITY_SYSTEM = SYSTEM_BASE + "modality"
OUTCOME_SYSTEM = SYSTEM_BASE + "course-status"
STATUS = {
    "active": (CourseStatus.ACTIVE,),
    "finished": tuple(s for s in CourseStatus if s != CourseStatus.ACTIVE),
}


def to_fhir(course: Course) -> dict[str, Any]:
    period: dict[str, str] = {"start": course.start_date.isoformat()}
    if course.ended_at:
        period["end"] = instant(course.ended_at)
    data: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(course.public_id),
        "meta": {"lastUpdated": instant(course.updated_at)},
        "status": "active" if course.status == CourseStatus.ACTIVE else "finished",
        "type": [
            {
                "coding": [
                    coding(MODALITY_SYSTEM, course.modality, course.get_modality_display()),
                    coding(OUTCOME_SYSTEM, course.status, course.get_status_display()),
                ],
                "text": f"{course.get_modality_display()}: {course.planned_sessions} sessions "
                f"({course.protocol_code}, version {course.protocol_version}), agreed end "
                f"{course.agreed_end_date:%d %B %Y}",
            }
        ],
        "patient": reference("Patient", course.patient.public_id),
        "referralRequest": [reference("ServiceRequest", course.referral.public_id)],
        "careManager": {"display": course.therapist.get_full_name()},
        "period": period,
    }
    return validate(data)


def scope(user: Any) -> Any:
    return access.courses(user).select_related("patient", "referral", "therapist").only(*SHOWN)


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
    audited=lambda course: ("course.viewed", course),
)

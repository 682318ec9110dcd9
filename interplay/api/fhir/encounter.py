"""Encounter: a session that took place (an attended ``courses.Appointment``), with the
phase its record was written in. Its notes stay in Interplay: no Encounter carries them."""

from typing import Any

from interplay.api.fhir import access
from interplay.api.fhir.appointment import UNUSED, label
from interplay.api.fhir.base import instant, reference, validate
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
    updated_param,
)
from interplay.courses.models import Appointment, AppointmentStatus

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def to_fhir(appointment: Appointment) -> dict[str, Any]:
    course = appointment.course
    remote = appointment.room_id is None and bool(course.video_link)
    data: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(appointment.public_id),
        "status": "finished",
        "class": {
            "system": ACT_CODE,
            "code": "VR" if remote else "AMB",
            "display": "virtual" if remote else "ambulatory",
        },
        "type": [
            {"text": label(course.pk, appointment.number, course.planned_sessions, course.protocol)}
        ],
        "subject": reference("Patient", course.patient.public_id),
        "episodeOfCare": [reference("EpisodeOfCare", course.public_id)],
        "appointment": [reference("Appointment", appointment.public_id)],
        "participant": [{"individual": {"display": appointment.therapist.get_full_name()}}],
        "period": {"start": instant(appointment.starts_at), "end": instant(appointment.ends_at)},
    }
    record = getattr(appointment, "record", None)
    if record is not None:
        data["meta"] = {"lastUpdated": instant(record.updated_at)}
    return validate(data)


def scope(user: Any) -> Any:
    return (
        Appointment.objects.filter(
            course__in=access.courses(user), status=AppointmentStatus.ATTENDED
        )
        .select_related("course__patient", "therapist", "record")
        .defer(
            *UNUSED,
            "record__notes",
            "record__previous_task_review",
            "record__between_session_task",
            "record__risk_notes",
        )
    )


KIND = Kind(
    name="Encounter",
    readers=access.COURSE_READERS,
    scope=scope,
    build=lambda appointment: [to_fhir(appointment)],
    params=(
        id_param(),
        patient_param("course__patient__public_id"),
        Param(
            "status",
            "token",
            "finished: every Encounter is a session that took place.",
            token_filter({"finished": [AppointmentStatus.ATTENDED]}),
        ),
        Param("date", "date", "When the session started.", date_filter("starts_at")),
        updated_param("record__updated_at", "when the session's record last changed"),
    ),
    audited=lambda appointment: ("course.viewed", appointment.course),
)

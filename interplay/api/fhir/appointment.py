"""Appointment: one session of a course (``courses.Appointment``), booked, attended,
missed or cancelled, with its place in the course ("Session 7 of 16, middle phase")."""

from functools import partial
from typing import Any

from interplay.api.fhir import access
from interplay.api.fhir.base import instant, reference, remembered, validate
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
    updated_param,
)
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.courses.protocols import from_dict, session_label

A = AppointmentStatus
STATUS = {
    "booked": (A.BOOKED,),
    "fulfilled": (A.ATTENDED,),
    "noshow": (A.DID_NOT_ATTEND,),
    "cancelled": (A.CANCELLED_BY_PATIENT, A.CANCELLED_LATE, A.CANCELLED_BY_SERVICE, A.NOT_NEEDED),
}
FHIR_STATUS: dict[str, str] = {
    str(value): code for code, values in STATUS.items() for value in values
}


def label(appointment: Appointment) -> str:
    course = appointment.course
    protocol = remembered(("protocol", course.pk), course.protocol)
    try:
        return session_label(protocol, appointment.number, course.planned_sessions)
    except ValueError:
        return f"Session {appointment.number} of {course.planned_sessions}"


def to_fhir(appointment: Appointment) -> dict[str, Any]:
    course = appointment.course
    data: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(appointment.public_id),
        "meta": {"lastUpdated": instant(appointment.updated_at)},
        "status": FHIR_STATUS[appointment.status],
        "description": label(appointment),
        "start": instant(appointment.starts_at),
        "end": instant(appointment.ends_at),
        "supportingInformation": [reference("EpisodeOfCare", course.public_id)],
        "participant": [
            {
                "actor": reference("Patient", course.patient.public_id),
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": {"display": appointment.therapist.get_full_name()},
                "required": "required",
                "status": "accepted",
            },
        ],
    }
    if appointment.status in STATUS["cancelled"]:
        data["cancelationReason"] = {"text": appointment.get_status_display()}
    if appointment.room_id is not None:
        data["comment"] = f"Room: {appointment.room}"
    return validate(data)


def protocols(rows: list[Appointment]) -> None:
    """Each course's protocol on the page, from one query: the snapshot is left out of the
    page's own query, where it would be decoded again for every session."""
    wanted = {row.course_id for row in rows}
    snapshots = (
        Course.objects.filter(pk__in=wanted).order_by().values_list("pk", "protocol_snapshot")
    )
    for pk, snapshot in snapshots:
        remembered(("protocol", pk), partial(from_dict, snapshot))


# What a session's resource shows, and nothing else: each column read is a value Django
# converts, and each related row a model it builds, fifty times for a page. The protocol
# comes from one query for the page (``protocols``); encrypted text is never read.
# What an Encounter (the same rows) leaves out: encrypted text, and the protocol.
UNUSED = ("backdate_reason", "course__end_reason", "course__protocol_snapshot")
SHOWN = (
    "public_id",
    "number",
    "starts_at",
    "ends_at",
    "status",
    "updated_at",
    "course",
    "course__public_id",
    "course__planned_sessions",
    "course__patient",
    "course__patient__public_id",
    "therapist",
    "therapist__first_name",
    "therapist__last_name",
    "room",
    "room__name",
)


def scope(user: Any) -> Any:
    return (
        Appointment.objects.filter(course__in=access.courses(user))
        .select_related("course__patient", "therapist", "room")
        .only(*SHOWN)
    )


KIND = Kind(
    name="Appointment",
    readers=access.COURSE_READERS,
    scope=scope,
    build=lambda appointment: [to_fhir(appointment)],
    params=(
        id_param(),
        patient_param("course__patient__public_id"),
        Param(
            "status",
            "token",
            "booked, fulfilled (attended), noshow (did not attend), cancelled (by either "
            "side, or not needed once the course ended).",
            token_filter({code: list(values) for code, values in STATUS.items()}),
        ),
        Param("date", "date", "When the session starts.", date_filter("starts_at")),
        updated_param(
            "updated_at",
            "when the session last changed (booked, moved, attendance recorded, no longer needed)",
        ),
    ),
    audited=lambda appointment: ("course.viewed", appointment.course),
    prepare=protocols,
)

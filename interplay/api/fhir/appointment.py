"""Appointment: one session of a course (``courses.Appointment``), booked, attended,
missed or cancelled, with its place in the course ("Session 7 of 16, middle phase")."""

import datetime as dt
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from django.db import connections, router
from django.db.models import CharField, ExpressionWrapper, F

from interplay.api.fhir import access
from interplay.api.fhir.base import reference, remembered, validate
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
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.courses.protocols import from_digest, session_label

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


def label(course_pk: int, number: int, planned: int, protocol: Callable[[], Any]) -> str:
    """ "Session 7 of 16, middle phase": ``protocol`` is read once per course and answer."""
    found = remembered(("protocol", course_pk), protocol)
    try:
        return session_label(found, number, planned)
    except ValueError:
        return f"Session {number} of {planned}"


def public(value: Any) -> str:
    """A public id read as the database gives it (``as_read``): SQLite's 32 hex digits
    written as ``str(UUID)`` writes them, without building a UUID; any other value (a
    UUID from PostgreSQL) as ``str``."""
    if type(value) is str and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def moment(value: Any, zone: Any) -> str:
    """A time read as the database gives it (``as_read``) as FHIR's instant, as ``instant``
    writes the value Django would give: a time without its offset (SQLite's) is in the
    database connection's time zone (``zone``: UTC, unless the database's own TIME_ZONE
    says otherwise), as Django's conversion would take it."""
    if type(value) is str:
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        if zone is dt.UTC:  # the same text as with the zone, without a new datetime
            return f"{value.isoformat()}+00:00"
        value = value.replace(tzinfo=zone)
    return str(value.isoformat())


def _database_zone() -> Any:
    return connections[router.db_for_read(Appointment)].timezone


def to_fhir(appointment: dict[str, Any]) -> dict[str, Any]:
    """``appointment``: a row of ``fetch``, carrying its course's, patient's, therapist's
    and room's values beside its own."""
    therapist = f"{appointment['therapist_first_name']} {appointment['therapist_last_name']}"
    description = label(
        appointment["course_id"],
        appointment["number"],
        appointment["planned_sessions"],
        partial(
            from_digest, appointment["protocol_digest"], partial(snapshot, appointment["course_id"])
        ),
    )
    status = appointment["status"]
    zone = remembered("database time zone", _database_zone)
    data: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": public(appointment["public_text"]),
        "meta": {"lastUpdated": moment(appointment["updated_value"], zone)},
        "status": FHIR_STATUS[status],
        "description": description,
        "start": moment(appointment["start_value"], zone),
        "end": moment(appointment["end_value"], zone),
        "supportingInformation": [
            reference("EpisodeOfCare", public(appointment["course_public_id"]))
        ],
        "participant": [
            {
                "actor": reference("Patient", public(appointment["patient_public_id"])),
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": {"display": therapist.strip()},
                "required": "required",
                "status": "accepted",
            },
        ],
    }
    if status in STATUS["cancelled"]:
        data["cancelationReason"] = {"text": status_labels().get(status, status)}
    if appointment["room_id"] is not None:
        data["comment"] = f"Room: {appointment['room_name']}"
    return validate(data)


@cache
def status_labels() -> dict[str, str]:
    """Each status's label, as ``get_status_display`` gives it (made on first use)."""
    return {str(value): str(text) for value, text in AppointmentStatus.choices}


def snapshot(course_pk: int) -> Any:
    """A course's protocol snapshot: read only for a protocol this process has not met
    (``from_digest``)."""
    return Course.objects.values_list("protocol_snapshot", flat=True).get(pk=course_pk)


# What a session's resource shows, and nothing else, as plain values (``.values()``): each
# column read is a value Django converts, and each model one it builds, fifty times for a
# page; so the session's row carries its course's, patient's, therapist's and room's few
# values, and no model is built. The public ids and times come as the database's own
# values (``as_read``, written out by ``public`` and ``moment``): no UUID is built, and no
# time converted twice. The course's protocol comes as its snapshot's digest, which
# ``from_digest`` finds a protocol met before by: no snapshot read or decoded for it. A
# page's rows come from ``RowsByKeys``.
SHOWN = (
    "pk",
    "course_id",
    "number",
    "room_id",
    "status",
)


def as_read(path: str) -> ExpressionWrapper:
    """The column at ``path`` read without the field's conversion (a UUID's, a time's):
    the same column in the SQL, given back as the database's driver gives it (see
    ``public`` and ``moment``)."""
    return ExpressionWrapper(F(path), output_field=CharField())


RELATED = {
    "public_text": as_read("public_id"),
    "start_value": as_read("starts_at"),
    "end_value": as_read("ends_at"),
    "updated_value": as_read("updated_at"),
    "course_public_id": as_read("course__public_id"),
    "planned_sessions": F("course__planned_sessions"),
    "patient_public_id": as_read("course__patient__public_id"),
    "therapist_first_name": F("therapist__first_name"),
    "therapist_last_name": F("therapist__last_name"),
    "room_name": F("room__name"),
    "protocol_digest": F("course__protocol_digest"),
}
# What an Encounter (the same rows) leaves out: encrypted text, and the protocol.
UNUSED = ("backdate_reason", "course__end_reason", "course__protocol_snapshot")


def scope(user: Any) -> Any:
    return Appointment.objects.filter(course__in=access.courses(user))


def fetch(rows: Any) -> Any:
    return rows.values(*SHOWN, **RELATED)


def course_of(appointment: dict[str, Any]) -> Course:
    """The course a read is audited against: its key and public id are all the audit
    trail names, and the row already holds both."""
    return Course(pk=appointment["course_id"], public_id=public(appointment["course_public_id"]))


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
    audited=lambda appointment: ("course.viewed", course_of(appointment)),
    fetch=fetch,
    by_keys=RowsByKeys(Appointment, fetch),
)

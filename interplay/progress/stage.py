"""Where a course is: which sessions are initial, which re-rate, whether the ending has begun.

Read from the course's own protocol snapshot and its planned number of sessions, so a
course planned shorter or longer moves its ending with it (``protocols.phases_for``).
What a phase unlocks follows the sessions recorded as attended, not the dates passed
(``courses.rules.ending_begun``, ``courses.rules.rerate_refusal``).
"""

import datetime as dt

from django.utils import timezone

from interplay.courses import protocols, rules
from interplay.courses.models import Appointment, AppointmentStatus, Course


def phases(course: Course) -> tuple[protocols.Phase, ...]:
    return protocols.phases_for(course.protocol(), course.planned_sessions)


def initial_numbers(course: Course) -> range:
    """The sessions where problems and goals are first identified: every phase before the
    middle one (IPT and DIT: the initial phase; group IPT: pre-group and initial)."""
    *opening, _middle, _ending = phases(course)
    return range(opening[0].first, opening[-1].last + 1)


def ending_phase(course: Course) -> protocols.Phase:
    return phases(course)[-1]


def rerate_numbers(course: Course) -> tuple[int, ...]:
    return protocols.rerate_sessions(course.protocol(), course.planned_sessions)


def goodbye_due(course: Course) -> int:
    return protocols.goodbye_letter_session(course.protocol(), course.planned_sessions)


def has_started(appointment: Appointment, now: dt.datetime | None = None) -> bool:
    return appointment.starts_at <= (now or timezone.now())


def attended(course: Course) -> set[int]:
    """The numbers of the sessions recorded as attended."""
    return set(
        course.appointments.filter(status=AppointmentStatus.ATTENDED).values_list(
            "number", flat=True
        )
    )


def ending_begun(course: Course) -> bool:
    """Whether a session of the ending phase is recorded as attended (or the course has
    ended): a session whose date has passed unrecorded does not open the ending."""
    if course.ended_at is not None:
        return True
    return rules.ending_begun(attended(course), ending_phase(course).first)


def rerate_refusal(course: Course, number: int) -> str | None:
    """Why the therapist may not re-rate at session ``number`` now, or None."""
    return rules.rerate_refusal(number, rerate_numbers(course), attended(course))


def latest_started(course: Course) -> Appointment | None:
    """The latest session that has begun and was not cancelled: where the course is now."""
    return (
        course.appointments.live().filter(starts_at__lte=timezone.now()).order_by("-number").first()
    )

"""A course of therapy and its sessions as plain data, for the subject access export."""

from typing import Any

from interplay.courses.models import Appointment, Course, CourseTask
from interplay.lib.export import coded, person_name, session_number

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def course_data(course: Course) -> dict[str, Any]:
    """The course itself: its protocol, therapist, times, status and how it ended."""
    protocol = course.protocol()
    return {
        "public_id": course.public_id,
        "referral": course.referral.reference,
        **coded(course, ("modality",)),
        "protocol": protocol.name,
        "protocol_code": course.protocol_code,
        "protocol_version": course.protocol_version,
        "therapist": person_name(course.therapist),
        "planned_sessions": course.planned_sessions,
        "weekday": course.weekday,
        "weekday_label": WEEKDAYS[course.weekday] if 0 <= course.weekday < 7 else None,
        "time": course.time.strftime("%H:%M"),
        "room": course.room.name if course.room else None,
        "video_link": course.video_link,
        "start_date": course.start_date,
        "agreed_end_date": course.agreed_end_date,
        **coded(course, ("status",)),
        "started_at": course.started_at,
        "started_by": person_name(course.started_by),
        "ended_at": course.ended_at,
        "end_reason": course.end_reason,
    }


def appointment_data(appointment: Appointment) -> dict[str, Any]:
    """One session as booked and as it went (its record is the session record's own)."""
    return {
        "public_id": appointment.public_id,
        "number": appointment.number,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "therapist": person_name(appointment.therapist),
        "room": appointment.room.name if appointment.room else None,
        **coded(appointment, ("status",)),
        "backdate_reason": appointment.backdate_reason,
    }


def course_task_data(task: CourseTask) -> dict[str, Any]:
    return {
        **coded(task, ("kind",)),
        "session": session_number(task.appointment),
        "raised_at": task.raised_at,
        "done_at": task.done_at,
        "done_by": person_name(task.done_by),
        "outcome": task.outcome,
    }

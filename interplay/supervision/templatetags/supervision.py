"""The course page's supervision notes section.

The course page includes it by template tag, so the courses app needs no import of this
one (which depends on courses)."""

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist

from interplay.accounts.permissions import Action, can
from interplay.lib.prepared import Prepared
from interplay.supervision.models import SupervisionNote

register = template.Library()


@register.inclusion_tag("supervision/_course_notes.html")
def supervision_notes(course: Any, user: Any) -> dict[str, Any]:
    """The course's supervision notes, oldest first (one query), and whether ``user`` may
    add one: the supervisor of the course's therapist (read from the course's therapist,
    which the course page loads with their profile)."""
    notes = _NOTES.run(course=course.pk)
    try:
        supervisor_id = course.therapist.clinician.supervisor_id
    except ObjectDoesNotExist:
        supervisor_id = None
    may_write = supervisor_id == user.pk and can(user, Action.SUPERVISE)
    return {"course": course, "notes": notes, "may_write": may_write}


# Compiled once per process (lib/prepared.py).
_NOTES = Prepared(
    SupervisionNote,
    lambda course: SupervisionNote.objects.filter(course=course).select_related("author"),
    course="id",
)

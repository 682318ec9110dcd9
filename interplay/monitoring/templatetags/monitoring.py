"""Pieces of the course and session pages that belong to outcome monitoring.

The course pages include them by template tag, so the courses app needs no import of
this one (which depends on courses)."""

from typing import Any

from django import template

from interplay.monitoring.models import RiskAlert
from interplay.monitoring.services import current_instrument

register = template.Library()


@register.inclusion_tag("monitoring/_course_alerts.html")
def course_alerts(course: Any) -> dict[str, Any]:
    """The course's open alerts (one query)."""
    return {"alerts": list(RiskAlert.objects.open().filter(course=course).order_by("raised_at"))}


@register.inclusion_tag("monitoring/_session_answers.html")
def session_answers(appointment: Any, mine: bool) -> dict[str, Any]:
    """The answers given for this session, and (for its therapist) links to type more."""
    responses = list(appointment.responses.order_by("answered_at", "id"))
    answered = {r.instrument_code for r in responses if r.complete}
    codes = [c for c in appointment.course.protocol().measures_due if current_instrument(c)]
    return {
        "appointment": appointment,
        "responses": responses,
        "to_enter": [c for c in codes if c not in answered] if mine else [],
    }

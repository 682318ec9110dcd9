"""Pieces of the course and session pages that belong to outcome monitoring.

The course pages include them by template tag, so the courses app needs no import of
this one (which depends on courses)."""

from typing import Any

from django import template

from interplay.lib.prepared import Prepared
from interplay.measures.services import answerable, instrument_names
from interplay.monitoring.models import RiskAlert

register = template.Library()


@register.inclusion_tag("monitoring/_course_alerts.html")
def course_alerts(course: Any) -> dict[str, Any]:
    """The course's open alerts, the oldest first, and those acknowledged, the latest
    first, so that the course's whole record of risk is on its page (one query)."""
    alerts = _ALERTS.run(course=course.pk)
    done = [a for a in alerts if a.acknowledged_at is not None]
    done.sort(key=lambda a: a.acknowledged_at, reverse=True)
    return {"alerts": [a for a in alerts if a.acknowledged_at is None], "acknowledged": done}


# Compiled once per process (lib/prepared.py). The note of what was done stays on the
# alert's own page: it is encrypted, and the list needs only who acknowledged it and when.
_ALERTS = Prepared(
    RiskAlert,
    lambda course: (
        RiskAlert.objects.filter(course=course)
        .select_related("acknowledged_by")
        .defer("action_note")
        .order_by("raised_at", "id")
    ),
    course="id",
)


@register.inclusion_tag("monitoring/_session_answers.html")
def session_answers(appointment: Any, mine: bool) -> dict[str, Any]:
    """The answers given for this session, and (for its therapist) links to type more."""
    responses = list(appointment.responses.order_by("answered_at", "id"))
    answered = {r.instrument_code for r in responses if r.complete}
    measures = appointment.course.protocol().measures_due
    usable = answerable(measures)
    codes = [c for c in measures if c in usable]
    return {
        "appointment": appointment,
        "responses": responses,
        "names": instrument_names([*codes, *(r.instrument_code for r in responses)]),
        "to_enter": [c for c in codes if c not in answered] if mine else [],
    }

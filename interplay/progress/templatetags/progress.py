"""The between-session tasks on a session's page (courses) and on its record (encounters)."""

from typing import Any

from django import template

from interplay.courses.models import Appointment
from interplay.progress import services
from interplay.progress.models import BetweenSessionTask

register = template.Library()


@register.inclusion_tag("progress/_session_tasks.html", takes_context=True)
def session_tasks(context: dict[str, Any], appointment: Appointment) -> dict[str, Any]:
    """The task set at this session (and whether it is shared), and the one set at the
    previous session with the patient's note, to review now."""
    request = context["request"]
    return {
        "appointment": appointment,
        "task": BetweenSessionTask.objects.filter(set_at=appointment).first(),
        "previous": services.previous_task(appointment),
        "mine": services.is_therapist_of(request.user, appointment.course),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def previous_task_of(appointment: Appointment) -> BetweenSessionTask | None:
    """The task set at the previous session, with the patient's note if they wrote one."""
    return services.previous_task(appointment)

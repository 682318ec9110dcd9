"""Who sees which courses: a therapist their own caseload, a supervisor their supervisees'."""

from typing import Any

from django.db.models import Q

from interplay.accounts.permissions import Action, can
from interplay.courses.models import Course, CourseQuerySet


def visible_courses(user: Any) -> CourseQuerySet:
    """Courses ``user`` may open; everything else answers 404."""
    scope = Q(pk__in=[])
    if can(user, Action.RUN_COURSE):
        scope |= Q(therapist=user)
    if can(user, Action.SUPERVISE):
        scope |= Q(therapist__clinician__supervisor=user)
    return Course.objects.filter(scope)

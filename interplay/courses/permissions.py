"""Who sees which courses: a therapist their own caseload, a supervisor their supervisees'."""

from typing import Any

from django.db.models import Q

from interplay.accounts.permissions import Action, can
from interplay.courses.models import Course, CourseQuerySet


def visible_courses(user: Any) -> CourseQuerySet:
    """Courses ``user`` may open; everything else answers 404."""
    return Course.objects.filter(course_scope(user, *scope_shape(user)))


def scope_shape(user: Any) -> tuple[bool, bool]:
    """Whether ``user`` sees courses as their therapist, and as the therapist's supervisor."""
    return can(user, Action.RUN_COURSE), can(user, Action.SUPERVISE)


def course_scope(user: Any, therapist: bool, supervisor: bool) -> Q:
    """The courses ``user`` sees in the roles named (``scope_shape``); none when neither."""
    scope = Q(pk__in=[])
    if therapist:
        scope |= Q(therapist=user)
    if supervisor:
        scope |= Q(therapist__clinician__supervisor=user)
    return scope

"""Which courses a supervisor supervises: those of the clinicians they are supervisor of."""

from typing import Any

from interplay.accounts.models import ClinicianProfile
from interplay.accounts.permissions import Action, can
from interplay.courses.models import Course, CourseQuerySet


def supervised_courses(user: Any) -> CourseQuerySet:
    """Courses run by ``user``'s supervisees; none for anyone without the supervisor role.

    Narrower than ``courses.permissions.visible_courses``: a supervisor's own caseload is
    theirs to run, not to supervise."""
    if not can(user, Action.SUPERVISE):
        return Course.objects.none()
    return Course.objects.filter(therapist__clinician__supervisor=user)


def supervises(user: Any, course: Course) -> bool:
    """Whether ``user`` is the supervisor of ``course``'s therapist (one query)."""
    if not can(user, Action.SUPERVISE):
        return False
    return ClinicianProfile.objects.filter(user_id=course.therapist_id, supervisor=user).exists()

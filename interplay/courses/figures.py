"""Telling the service figures that a course changed, inside the change's transaction.

Each course has a figures row (the reports app's ``CourseFigures``) that the service
dashboard aggregates. It must agree with the record at every commit, so every service
that changes what the row holds (a session's status or time, an answer, the course's
start or end) calls ``changed(course)`` before its transaction commits. The domain apps
never import the reports app (a face calls the domain, never the reverse), so the reports
app registers its refresher here when Django starts (``ReportsConfig.ready``).
"""

from collections.abc import Callable
from typing import Any

_refreshers: list[Callable[[int], Any]] = []


def keep_with(refresher: Callable[[int], Any]) -> None:
    """Run ``refresher(course_id)`` whenever a course changes (once, however often added)."""
    if refresher not in _refreshers:
        _refreshers.append(refresher)


def changed(course: Any) -> None:
    """Recompute what is kept about ``course`` (a Course or its id), in the caller's
    transaction: call it after the change is written."""
    course_id = course if isinstance(course, int) else course.pk
    for refresher in _refreshers:
        refresher(course_id)

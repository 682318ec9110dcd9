"""Sessions a therapist shares with others (group sessions), as other apps supply them.

The week, the calendar feed and the caseload show a group session once, not once per
member's place. The groups app knows those sessions and reads courses, so courses must
not import it: it registers itself here when Django starts (``groups/apps.py``), and
these functions ask every registered source. With none registered they answer nothing.
"""

import datetime as dt
from typing import Any, Protocol

from interplay.courses.calendar import SharedEvent


class Source(Protocol):
    def meetings(self, user: Any, start: dt.datetime, end: dt.datetime) -> list[Any]: ...

    def feed_events(self, user: Any, start: dt.datetime, end: dt.datetime) -> list[SharedEvent]: ...

    def caseload_places(self, user: Any) -> dict[int, Any]: ...

    def running_groups(self, user: Any, now: dt.datetime) -> list[Any]: ...


_SOURCES: list[Source] = []


def register(source: Source) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def meetings(user: Any, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """The shared sessions ``user`` runs between ``start`` and ``end``, for the week."""
    return [m for source in _SOURCES for m in source.meetings(user, start, end)]


def feed_events(user: Any, start: dt.datetime, end: dt.datetime) -> list[SharedEvent]:
    """The shared sessions as calendar feed events, one per meeting."""
    return [e for source in _SOURCES for e in source.feed_events(user, start, end)]


def caseload_places(user: Any) -> dict[int, Any]:
    """For ``user``'s courses in progress (their caseload) that are a place in something
    shared (a group), what it is, by course id."""
    found: dict[int, Any] = {}
    for source in _SOURCES:
        found |= source.caseload_places(user)
    return found


def running_groups(user: Any, now: dt.datetime) -> list[Any]:
    """The shared things (groups) ``user`` runs, for the caseload."""
    return [g for source in _SOURCES for g in source.running_groups(user, now)]

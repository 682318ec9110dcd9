"""Pure rules for a closed IPT group: who may facilitate, when the group closes, its size,
and the days of its members' pre-group sessions. No Django and no app imports.

Sources: WHO Group IPT (2016) as the clinic's rules record it (docs/clinical-rules.md 3):
an individual pre-group session, then group sessions; facilitators may be supervised
non-specialists; group sizes and lengths vary by programme, so they are data.
"""

import datetime as dt
from collections.abc import Callable, Collection

# A group closes to newcomers once this session is over (a closed cohort).
LAST_SESSION_TO_JOIN_AFTER = 2
# The sizes programmes use (docs/clinical-rules.md 3.2): 5 to 15 members.
SMALLEST, LARGEST = 5, 15
# Individual therapies whose qualification makes a facilitator a specialist.
SPECIALIST_MODALITIES = frozenset({"ipt", "dit"})


def facilitator_problem(name: str, modalities: Collection[str], has_supervisor: bool) -> str | None:
    """Why someone may not facilitate a group, or None.

    Facilitators must be qualified for group IPT; one without a specialist (individual
    IPT or DIT) qualification facilitates only under a named supervisor: the WHO manual
    is written for supervised non-specialists (docs/clinical-rules.md 3.1 [S48][S49]).
    """
    if "group_ipt" not in modalities:
        return f"{name} is not qualified to facilitate group IPT."
    if not SPECIALIST_MODALITIES & set(modalities) and not has_supervisor:
        return f"{name} is not an IPT specialist: name a supervisor for this group."
    return None


def size_problem(min_members: int, max_members: int) -> str | None:
    """Why a group's size limits cannot stand, or None."""
    if not SMALLEST <= min_members <= max_members <= LARGEST:
        return (
            f"A group has {SMALLEST} to {LARGEST} members, and its minimum cannot be more "
            "than its maximum."
        )
    return None


def closed_to_newcomers(now: dt.datetime, session_ends: dict[int, dt.datetime]) -> bool:
    """Whether a closed group accepts no one new: once its session 2 is over."""
    ends = session_ends.get(LAST_SESSION_TO_JOIN_AFTER)
    return ends is not None and now >= ends


def pre_group_days(
    before: dt.date,
    count: int,
    closed: Callable[[dt.date], bool],
    earliest: dt.date | None = None,
) -> list[dt.date]:
    """One working day (Monday to Friday) for each member's individual pre-group session,
    counting back from the day before the first group session and skipping days that
    ``closed`` rejects (a closure, a clash). Nearest first. ValueError when the days run
    out before ``earliest`` (pre-group sessions cannot be booked in the past)."""
    days: list[dt.date] = []
    day = before - dt.timedelta(days=1)
    while len(days) < count:
        if earliest is not None and day < earliest:
            raise ValueError(f"only {len(days)} working days free before {before}")
        if day.weekday() < 5 and not closed(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days

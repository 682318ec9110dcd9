"""Pure rules about clinicians: no Django, no database.

DIT practitioner training requires at least 150 hours of supervised psychodynamic
practice on entry (docs/clinical-rules.md section 2.6, sources S39-S41).
"""

import datetime as dt
import itertools

DIT_MIN_PSYCHODYNAMIC_HOURS = 150


def qualification_problem(modality: str, psychodynamic_hours: int) -> str | None:
    """Why a clinician may not hold ``modality``, or None when they may."""
    if modality == "dit" and psychodynamic_hours < DIT_MIN_PSYCHODYNAMIC_HOURS:
        return (
            f"DIT needs a psychodynamic background of at least {DIT_MIN_PSYCHODYNAMIC_HOURS} "
            f"supervised hours; this clinician has {psychodynamic_hours}."
        )
    return None


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def working_hours_problem(spans: list[tuple[int, dt.time, dt.time]]) -> str | None:
    """Why a week of working hours cannot stand, or None: each span must end after it
    starts, and two spans on one day must not overlap (a session fits inside one span)."""
    for weekday, start, end in spans:
        if end <= start:
            return f"{DAY_NAMES[weekday]}: the hours must end after they start."
    ordered = sorted(spans)
    for (day, _, end), (next_day, next_start, _) in itertools.pairwise(ordered):
        if day == next_day and next_start < end:
            return f"{DAY_NAMES[day]}: two sets of hours overlap. Join them or change one."
    return None


def leave_problem(
    starts_on: dt.date, ends_on: dt.date, booked: list[tuple[dt.date, dt.date]]
) -> str | None:
    """Why a spell of leave cannot be added beside the leave already ``booked``, or None."""
    if ends_on < starts_on:
        return "The last day of leave must be the same as or after the first day."
    for other_start, other_end in booked:
        if starts_on <= other_end and other_start <= ends_on:
            return (
                f"This overlaps leave already recorded from {_day(other_start)} to "
                f"{_day(other_end)}. Cancel that leave first, or change the dates."
            )
    return None


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"

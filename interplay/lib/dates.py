"""Date arithmetic shared by every app."""

import datetime as dt


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years of age on a given day (a birthday counts on the day itself)."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


def days_between(start: dt.date, end: dt.date) -> int:
    return (end - start).days

"""Dates and times a caller may filter by: within the years a record can hold.

A query such as ``updated_since=0070-02-01T02:45:22+20:41`` parses as a datetime, but no
real clock reads it (time zones run from -12:00 to +14:00) and the database refuses it.
Such values are answered as bad input (422 in the JSON API, 400 in FHIR), never as a
server error. The JSON API's query types and the FHIR date parameters share this check.
"""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
WIDEST_OFFSET = dt.timedelta(hours=14)

RANGE_WORDS = f"between {EARLIEST.year} and {LATEST.year}"


def check_date(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be a date {RANGE_WORDS}")
    return value


def check_moment(value: dt.datetime) -> dt.datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > WIDEST_OFFSET:
        raise ValueError("must have a time zone offset between -14:00 and +14:00")
    check_date(value.date())
    return value


Day = Annotated[dt.date, AfterValidator(check_date)]
Moment = Annotated[dt.datetime, AfterValidator(check_moment)]

"""A group's times: its weekly sessions and its members' pre-group sessions, proposed by
the courses app's scheduling rules (weekly, skipping bank holidays, closures, leave and
any clash for each facilitator or the room)."""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings

from interplay.accounts.models import User
from interplay.courses import rules
from interplay.courses.protocols import Protocol
from interplay.courses.services import _busy, _closures, available_protocols, working_hours
from interplay.groups import rules as group_rules
from interplay.groups.models import Group
from interplay.lib.errors import RuleViolation

Busy = Callable[[dt.datetime, dt.datetime], bool]


def group_protocols() -> list[Protocol]:
    """The protocols a group may follow: the built-in WHO group IPT and the service's own."""
    return [p for p in available_protocols().values() if p.modality == "group_ipt"]


def protocol_of(group: Group) -> Protocol:
    """The group's protocol, as offered now (a member's course keeps its own snapshot)."""
    protocol = {p.code: p for p in group_protocols()}.get(group.protocol_code)
    if protocol is None:
        raise RuleViolation("This group's programme is no longer offered.")
    return protocol


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _any_busy(group: Group, since: dt.date) -> Busy:
    tests = [_busy(f, group.room, since) for f in group.facilitators()]
    return lambda starts_at, ends_at: any(busy(starts_at, ends_at) for busy in tests)


def check_hours(group: Group) -> None:
    """Refuse a group time outside any facilitator's working hours, naming whose."""
    starts_at = dt.datetime.combine(
        rules.first_on_or_after(group.first_date, group.weekday), group.time, tzinfo=zone()
    )
    ends_at = starts_at + dt.timedelta(minutes=group.minutes)
    for facilitator in group.facilitators():
        refusal = rules.hours_refusal(starts_at, ends_at, working_hours(facilitator), zone())
        if refusal is not None:
            name = facilitator.get_full_name() or facilitator.username
            message = refusal.message.replace("your working hours", f"{name}'s working hours")
            raise RuleViolation(message.replace("you do not", "they do not"), field="time")


def group_sessions(group: Group, protocol: Protocol) -> list[rules.Proposed]:
    """The group's weekly sessions 1 to N from its first date."""
    return rules.propose_sessions(
        first=group.first_date,
        weekday=group.weekday,
        at=group.time,
        count=protocol.default_sessions,
        minutes=group.minutes,
        tz=zone(),
        closures=_closures(group.first_date),
        unavailable=_any_busy(group, group.first_date),
    )


def pre_group_times(
    group: Group, therapists: list[User], before: dt.date, earliest: dt.date | None
) -> list[dt.datetime]:
    """A start for each member's individual pre-group session (with the facilitator
    named for them): a different working day each, at the group's time, before the
    first group session, skipping closures and the facilitators' clashes."""
    since = (earliest or before) - dt.timedelta(days=60)
    closures = _closures(since)
    busy = _any_busy(group, since)
    length = dt.timedelta(minutes=group.minutes)

    def closed(day: dt.date) -> bool:
        starts_at = dt.datetime.combine(day, group.time, tzinfo=zone())
        return day in closures or busy(starts_at, starts_at + length)

    try:
        days = group_rules.pre_group_days(before, len(therapists), closed, earliest)
    except ValueError:
        raise RuleViolation(
            f"There are not {len(therapists)} free working days before the first group "
            "session for the pre-group sessions. Choose a later first date.",
            field="first_date",
        ) from None
    return [dt.datetime.combine(day, group.time, tzinfo=zone()) for day in days]

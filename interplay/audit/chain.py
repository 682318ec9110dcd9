"""The audit trail's hash chain: the canonical form of an event, its hash, and verification.

Pure: no ORM and no Django. ``services.record`` and the ``audit_verify`` command turn rows
into ``Link`` values and call these functions.

Each event's hash is SHA-256 over a canonical serialisation (sorted-key JSON) of every
stored field of the event and the hash of the event before it (``prev_hash``); the first
event follows ``GENESIS``. Sequence numbers run 1, 2, 3... with no gaps. So an edited
row no longer matches its own hash, a deleted row leaves a gap, and a row added by hand
does not fit the numbering or the chain. A chain head (the last sequence and hash, kept
beside the events) also shows events cut off the end, or added after it.
"""

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class Link:
    """One audit event as stored: the fields its hash covers, then the hash itself."""

    sequence: int
    public_id: str
    at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    detail: Any
    client_address: str | None
    request_id: str
    prev_hash: str
    hash: str = ""

    def name(self) -> str:
        """How a report names the event: sequence, public id and time (UTC)."""
        return f"event {self.sequence} ({self.public_id}, {timestamp(self.at)})"


@dataclass(frozen=True)
class Head:
    """The chain's end as last written: the highest sequence and its hash."""

    sequence: int
    hash: str


class Fault(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class Problem:
    fault: Fault
    message: str
    link: Link | None = None


@dataclass(frozen=True)
class Report:
    """The events checked before the first problem (all of them when there is none)."""

    count: int
    problem: Problem | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def timestamp(at: dt.datetime) -> str:
    """The instant in UTC with microseconds always written, so it always reads the same."""
    if at.tzinfo is None:
        raise ValueError("Audit times must be timezone-aware")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def address(value: str | None) -> str | None:
    """An IP address in full (exploded) form, however the database chose to write it."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).exploded
    except ValueError:
        return value


def canonical(link: Link) -> bytes:
    """The bytes an event's hash covers: every stored field and ``prev_hash``."""
    return _text(link, timestamp(link.at), link.prev_hash, link.sequence).encode()


def template(link: Link, mark: str) -> tuple[str, str, str] | None:
    """The canonical text of ``link`` around its ``prev_hash`` and sequence, for a
    database that fills those two in as it chains the event (``services.record`` on
    PostgreSQL): the text is ``parts[0] + prev_hash + parts[1] + sequence + parts[2]``,
    the sequence in decimal digits. ``mark`` is a string the event's own values do not
    hold; None if they hold it after all (the caller then chains the event itself).
    """
    prev, sequence = f"{mark}p", f'"{mark}s"'
    text = _text(link, timestamp(link.at), f"{mark}p", f"{mark}s")
    if text.count(prev) != 1 or text.count(sequence) != 1 or text.count(mark) != 2:
        return None
    first, rest = text.split(prev)
    second, third = rest.split(sequence)
    return first, second, third


def _text(link: Link, at: str, prev_hash: str, sequence: int | str) -> str:
    fields = {
        "sequence": sequence,
        "public_id": link.public_id,
        "at": at,
        "actor": link.actor_id,
        "actor_label": link.actor_label,
        "action": link.action,
        "object_type": link.object_type,
        "object_id": link.object_id,
        "detail": link.detail,
        "client_address": address(link.client_address),
        "request_id": link.request_id,
        "prev_hash": prev_hash,
    }
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def digest(link: Link) -> str:
    """The event's hash: hex SHA-256 of its canonical form."""
    return hashlib.sha256(canonical(link)).hexdigest()


def verify(links: Iterable[Link], head: Head | None = None, anchors: Iterable[Head] = ()) -> Report:
    """Walk ``links`` in sequence order and report the first problem, if any.

    With ``head``, events beyond it count as inserted and a head beyond the last event
    means events were deleted from the end. ``anchors`` are heads written down outside
    the database earlier: the chain must still reach each one, with the same hash there,
    which shows events cut off the end even when the head was wound back with them.
    """
    anchored = {anchor.sequence: anchor for anchor in anchors}
    count, expected, prev_hash = 0, 1, GENESIS
    last: Link | None = None
    for link in links:
        problem = _check(link, expected, prev_hash, head) or _check_anchor(link, anchored)
        if problem is not None:
            return Report(count, problem)
        count, expected, prev_hash, last = count + 1, link.sequence + 1, link.hash, link
    return Report(count, _check_end(last, head) or _beyond_end(last, anchored))


def _check_anchor(link: Link, anchored: dict[int, Head]) -> Problem | None:
    anchor = anchored.get(link.sequence)
    if anchor is None or anchor.hash == link.hash:
        return None
    return Problem(
        Fault.EDITED,
        f"{link.name()} differs from the anchor written for it outside the database: the "
        "chain was rewritten from here on.",
        link,
    )


def _beyond_end(last: Link | None, anchored: dict[int, Head]) -> Problem | None:
    last_sequence = last.sequence if last is not None else 0
    beyond = [sequence for sequence in anchored if sequence > last_sequence]
    if not beyond:
        return None
    missing = _span(last_sequence + 1, max(beyond))
    return Problem(
        Fault.DELETED,
        f"{missing} missing from the end: an anchor written outside the database records "
        f"event {max(beyond)}, and the chain now ends at event {last_sequence}.",
    )


def _check(link: Link, expected: int, prev_hash: str, head: Head | None) -> Problem | None:
    if head is not None and link.sequence > head.sequence:
        return Problem(
            Fault.INSERTED,
            f"{link.name()} comes after the chain head (event {head.sequence}): "
            "it was added without being recorded.",
            link,
        )
    if link.sequence < expected:
        return Problem(
            Fault.INSERTED,
            f"{link.name()} is out of sequence: event {expected} was expected here.",
            link,
        )
    if link.sequence > expected:
        return _gap(link, expected, prev_hash)
    if digest(link) != link.hash:
        return Problem(
            Fault.EDITED,
            f"{link.name()} was changed after it was recorded: it no longer matches its hash.",
            link,
        )
    if link.prev_hash != prev_hash:
        before = "the start of the chain" if expected == 1 else f"event {expected - 1}"
        return Problem(
            Fault.INSERTED,
            f"{link.name()} does not follow {before}: it, or the event before it, was put "
            "in place of the original (or that event was edited and its hash recomputed).",
            link,
        )
    return None


def _gap(link: Link, expected: int, prev_hash: str) -> Problem:
    if link.prev_hash == prev_hash:
        # Chained to the event just before, yet numbered past a gap: not the real next event.
        return Problem(
            Fault.INSERTED,
            f"{link.name()} is chained to the event before it but numbered {link.sequence} "
            f"where {expected} was expected.",
            link,
        )
    missing = _span(expected, link.sequence - 1)
    return Problem(Fault.DELETED, f"{missing} missing before {link.name()}.", link)


def _check_end(last: Link | None, head: Head | None) -> Problem | None:
    if head is None:
        return None
    last_sequence = last.sequence if last is not None else 0
    if head.sequence > last_sequence:
        missing = _span(last_sequence + 1, head.sequence)
        return Problem(
            Fault.DELETED,
            f"{missing} missing from the end (the chain head records event {head.sequence}).",
        )
    if head.hash != (last.hash if last is not None else GENESIS):
        return Problem(
            Fault.EDITED,
            f"The chain head does not match the last event ({last.name() if last else 'none'}): "
            "that event was replaced, or the head was changed.",
            last,
        )
    return None


def _span(first: int, last: int) -> str:
    return f"Event {first} is" if first == last else f"Events {first} to {last} are"

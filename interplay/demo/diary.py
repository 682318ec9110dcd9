"""The therapists' weekly diaries for a synthetic service: which hour a course takes.

Each therapist's working hours give weekly slots on the hour (Monday 09:00, 10:00, ...).
A course takes one slot (a group's 90-minute session takes that hour and the next) from
the week it can start until it ends; the slot that frees first is taken, so people wait
when every slot is taken, as in a real service. Weeks on a bank holiday or on a time the
therapist already has a session are skipped, as ``courses.rules.propose_sessions`` does,
so seeded sessions never clash with each other or with sessions already booked.
"""

import datetime as dt
import heapq
import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

WEEK = dt.timedelta(weeks=1)


@dataclass(eq=False)
class Slot:
    therapist_id: int
    weekday: int
    hour: int
    free_from: dt.date
    after: "Slot | None" = None  # the next hour on the same day, for a long session
    modalities: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Booking:
    slot: Slot
    dates: list[dt.date]
    hours: int  # 1, or 2 for a session longer than an hour

    @property
    def therapist_id(self) -> int:
        return self.slot.therapist_id

    @property
    def hour(self) -> int:
        return self.slot.hour


@dataclass(frozen=True)
class Therapist:
    pk: int
    modalities: frozenset[str]
    # (weekday, first hour, end hour): Monday 09:00-17:00 is (0, 9, 17).
    hours: tuple[tuple[int, int, int], ...]


class Diary:
    def __init__(
        self,
        therapists: Iterable[Therapist],
        *,
        opens: dt.date,
        closed: Collection[dt.date] = (),
        taken: Collection[tuple[int, dt.date, int]] = (),
    ) -> None:
        """``closed``: bank holidays and closures; ``taken``: (therapist, day, hour) already
        booked."""
        self.closed = set(closed)
        self.taken = set(taken)
        self.order = itertools.count()
        self.heaps: dict[str, list[tuple[dt.date, int, Slot]]] = {}
        for therapist in therapists:
            for weekday, first, end in therapist.hours:
                slots = [
                    Slot(therapist.pk, weekday, hour, opens, modalities=therapist.modalities)
                    for hour in range(first, end)
                ]
                for slot, following in itertools.pairwise(slots):
                    slot.after = following
                for slot in slots:
                    self._offer(slot)

    def _offer(self, slot: Slot) -> None:
        for modality in slot.modalities:
            heap = self.heaps.setdefault(modality, [])
            heapq.heappush(heap, (slot.free_from, next(self.order), slot))

    def can_run(self, modality: str) -> bool:
        return bool(self.heaps.get(modality))

    def plan(self, modality: str, earliest: dt.date, sessions: int, hours: int = 1) -> Booking:
        """The weekly dates of ``sessions`` sessions from ``earliest`` on in the slot that
        frees first. Nothing is taken until ``take``."""
        slot = self._first_free(modality, hours)
        start = max(earliest, slot.free_from, *(s.free_from for s in _span(slot, hours)))
        day = start + dt.timedelta(days=(slot.weekday - start.weekday()) % 7)
        dates: list[dt.date] = []
        while len(dates) < sessions:
            if day not in self.closed and not any(
                (slot.therapist_id, day, slot.hour + i) in self.taken for i in range(hours)
            ):
                dates.append(day)
            day += WEEK
        return Booking(slot, dates, hours)

    def take(self, booking: Booking, until: dt.date) -> None:
        """Hold the booking's slot (and the next hour for a long session) until ``until``."""
        for slot in _span(booking.slot, booking.hours):
            slot.free_from = until + dt.timedelta(days=1)
            self._offer(slot)

    def _first_free(self, modality: str, hours: int) -> Slot:
        heap = self.heaps[modality]
        while True:
            free_from, _, slot = heap[0]
            if free_from != slot.free_from:  # taken since this entry was pushed
                heapq.heappop(heap)
                continue
            if hours > 1 and slot.after is None:  # no room for a long session here
                heapq.heappop(heap)
                continue
            return slot


def _span(slot: Slot, hours: int) -> list[Slot]:
    spanned = [slot]
    while len(spanned) < hours and spanned[-1].after is not None:
        spanned.append(spanned[-1].after)
    return spanned

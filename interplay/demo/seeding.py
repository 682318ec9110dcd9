"""A synthetic service written in bulk: referrals, triage, waits, courses, sessions, scores.

``seed(count, therapists=..., triage_lead=...)`` invents ``count`` referrals arriving
between ``since`` and ``until`` and takes each through what a service does: a screening
PHQ-9 and GAD-7, triage (most offered IPT, DIT or group IPT, some signposted, referred
on, declined or withdrawn), the wait for a therapist with a free weekly slot
(``diary.Diary``), a course of 8-16 sessions with attendance, missed sessions and
cancellations, PHQ-9 and GAD-7 at every attended session, the risk and deterioration
alerts those answers raise, an IPT problem area or DIT focus, and each course's figures
row. Everything is written by ``bulk.Writer`` in batches, one transaction each (or,
for a large load on PostgreSQL, one for the lot with the tables' indexes, unique
constraints and foreign keys, all but the primary keys, made again at its end, invented
by forked processes each on its share of the therapists: ``Service._in_parts``), and
encrypted fields go through their own field's encryption. Invented names only; a fixed
seed gives the same service. No audit events are written: nobody did these things.

Used by ``manage.py seed_service`` (a large service on its own synthetic staff) and by
``demo_setup`` (a year of closed history for the demo's own therapists).
"""

import contextlib
import dataclasses
import datetime as dt
import gc
import multiprocessing
import queue
import random
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from interplay.accounts.models import User
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Appointment, Course, CourseStatus
from interplay.courses.protocols import BUILT_IN, phase_for, snapshot_digest
from interplay.demo import bulk, stories
from interplay.demo.data import DIFFICULTIES, FIRST_NAMES, LAST_NAMES, TOWNS
from interplay.demo.diary import Booking, Diary, Therapist
from interplay.encounters.models import SessionRecord
from interplay.formulation.models import Focus
from interplay.lib.dates import bank_holidays
from interplay.lib.ids import REFERENCE_ALPHABET
from interplay.measures.instruments import GAD7, PHQ9, Instrument
from interplay.measures.models import QuestionnaireResponse
from interplay.measures.scoring import score
from interplay.monitoring.models import AlertKind, RiskAlert
from interplay.patients.models import Patient
from interplay.referrals.models import Referral
from interplay.reports import rows
from interplay.reports.models import CourseFigures
from interplay.triage.models import Allocation, TriageAssessment, TriageDecision

STATUS_AFTER = {
    "signpost": "signposted",
    "refer_on": "referred_on",
    "decline": "declined",
    "withdrawn": "withdrawn",
}
PROBLEM_AREAS = ("grief", "role_dispute", "role_transition", "deficits")
ANSWER_HOURS_BEFORE = 3  # portal answers come in the morning of the session
# When answers come, from the session's start: in the portal, or 12 minutes into it.
ANSWERED = {True: -dt.timedelta(hours=ANSWER_HOURS_BEFORE), False: dt.timedelta(hours=0.2)}
SIGNED_AFTER = dt.timedelta(hours=2)  # a record is signed two hours after its session
# Lists many rows hold, made once: the writer reuses a value's stored form by identity.
RISK_REASONS = {True: ["phq9_item9"], False: []}
AVAILABLE_TIMES = ["weekday_morning", "weekday_afternoon"]
SUITABLE_FOR: dict[str, list[str]] = {"": []}


@dataclass
class Counts:
    referrals: int = 0
    courses: int = 0
    sessions: int = 0
    responses: int = 0
    alerts: int = 0


@dataclass
class Batch:
    """What one transaction writes, in the order foreign keys need."""

    patients: list[Patient] = dataclasses.field(default_factory=list)
    referrals: list[Referral] = dataclasses.field(default_factory=list)
    assessments: list[TriageAssessment] = dataclasses.field(default_factory=list)
    decisions: list[TriageDecision] = dataclasses.field(default_factory=list)
    allocations: list[Allocation] = dataclasses.field(default_factory=list)
    courses: list[Course] = dataclasses.field(default_factory=list)
    sessions: list[Appointment] = dataclasses.field(default_factory=list)
    records: list[SessionRecord] = dataclasses.field(default_factory=list)
    responses: list[QuestionnaireResponse] = dataclasses.field(default_factory=list)
    alerts: list[RiskAlert] = dataclasses.field(default_factory=list)
    focuses: list[Focus] = dataclasses.field(default_factory=list)

    def write(self, writer: bulk.Writer) -> None:
        for objects in self.tables():
            writer.write(objects)

    def tables(self) -> Iterator[list[Any]]:
        """Each table's objects, in order; the figures rows last, made once the objects
        before them have their keys (a caller numbers each list before taking the next)."""
        yield from (getattr(self, f.name) for f in dataclasses.fields(self))
        # Each course's sessions and answers are made in time order (weekly sessions,
        # a session's answers before the next), so they need no sorting here.
        sessions: dict[int, list[dict[str, Any]]] = {c.pk: [] for c in self.courses}
        for s in self.sessions:
            v = s.__dict__
            if v["number"] >= 1:
                sessions[v["course_id"]].append(
                    {"pk": v["id"], "status": v["status"], "starts_at": v["starts_at"]}
                )
        answers: dict[int, list[dict[str, Any]]] = {c.pk: [] for c in self.courses}
        for r in self.responses:
            v = r.__dict__
            if v["course_id"] is not None:
                answers[v["course_id"]].append(
                    {
                        "instrument_code": v["instrument_code"],
                        "total": v["total"],
                        "answered_at": v["answered_at"],
                        "appointment_id": v["appointment_id"],
                    }
                )
        yield [rows.figures_of(c, sessions[c.pk], answers[c.pk]) for c in self.courses]


# The tables a batch writes (``Batch``'s lists, and the figures rows).
SEEDED = (
    Patient,
    Referral,
    TriageAssessment,
    TriageDecision,
    Allocation,
    Course,
    Appointment,
    SessionRecord,
    QuestionnaireResponse,
    RiskAlert,
    Focus,
    CourseFigures,
)


class Background:
    """A thread writing batches in order, one transaction each, on its own connection;
    the next batch waits in a queue of one, so at most two are in memory. With
    ``unindexed`` (PostgreSQL), the whole load is one transaction instead: the seeded
    tables' indexes, unique constraints and foreign keys (all but the primary keys) are
    dropped first and made again after the last batch (``bulk.Unindexed``), so a
    failure leaves the database as it was."""

    def __init__(
        self,
        writer: bulk.Writer,
        progress: Callable[[int], Any] | None,
        *,
        unindexed: bool = False,
    ) -> None:
        self.queue: queue.Queue[tuple[Batch, int] | None] = queue.Queue(maxsize=1)
        self.failed: list[BaseException] = []
        self.unindexed = unindexed
        self.thread = threading.Thread(target=self.work, args=(writer, progress), daemon=True)
        self.thread.start()

    def put(self, item: tuple[Batch, int] | None) -> None:
        while not self.failed:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise self.failed[0]

    def finish(self) -> None:
        if self.thread.is_alive():
            with contextlib.suppress(BaseException):
                self.put(None)
        self.thread.join()
        if self.failed:
            raise self.failed[0]

    def work(self, writer: bulk.Writer, progress: Callable[[int], Any] | None) -> None:
        try:
            if connection.vendor == "postgresql":
                # A crash loses the last batches, never makes the database inconsistent;
                # not waiting for each commit's flush lets the next batch start at once.
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit TO off")
            if not self.unindexed:
                self.load(writer, progress)
                return
            with transaction.atomic():
                tables = bulk.Unindexed(SEEDED)
                tables.drop()
                self.load(writer, progress)
                tables.restore()
        except BaseException as error:
            self.failed.append(error)
        finally:
            connection.close()

    def load(self, writer: bulk.Writer, progress: Callable[[int], Any] | None) -> None:
        while (item := self.queue.get()) is not None:
            work, size = item
            with transaction.atomic():
                work.write(writer)
            if progress is not None:
                progress(size)


def therapists_from(users: Sequence[User]) -> list[Therapist]:
    """The diary's view of real therapists: their qualifications and working hours."""
    found = []
    for user in users:
        profile = user.clinician
        hours = tuple(
            (h.weekday, h.start.hour, h.end.hour) for h in profile.working_hours.order_by("pk")
        )
        modalities = frozenset(profile.qualifications.values_list("modality", flat=True))
        found.append(Therapist(user.pk, modalities, hours))
    return found


class Service:
    """Invents and writes the referrals; keeps the diary across batches."""

    def __init__(
        self,
        *,
        therapists: Sequence[User],
        triage_lead: User,
        since: dt.date,
        until: dt.date,
        seed: int,
        closed_only: bool = False,
    ) -> None:
        self.zone = ZoneInfo(settings.TIME_ZONE)
        # Now in the service's zone, as every time made here is: comparing two times of
        # one zone is a comparison of their fields, of two zones a conversion each.
        self.now = timezone.now().astimezone(self.zone)
        self.since, self.until, self.closed_only = since, until, closed_only
        self.triage_lead = triage_lead
        self.users = {u.pk: u for u in therapists}
        offset = Referral.objects.count()
        self.serial = offset
        self.rng = random.Random(f"{seed}:{offset}")
        # Public ids from their own generator: the same seed gives the same ids, and the
        # draws of the story above are not moved by them.
        bulk.seed_ids(f"{seed}:{offset}:ids")
        nation = ServiceSettings.load().nation
        years = range(since.year, until.year + 2)
        self.therapists = therapists_from(therapists)
        self.closed = dict(bank_holidays(nation, years))
        self.taken = self._taken(list(self.users))
        self.diary = Diary(self.therapists, opens=since, closed=self.closed, taken=self.taken)
        # Serial numbers (references) go up by ``stride``: a part of a load run in its
        # own process takes every ``stride``-th (``_part``).
        self.stride = 1
        self.snapshots = {code: dataclasses.asdict(p) for code, p in BUILT_IN.items()}
        self.digests = {code: snapshot_digest(s) for code, s in self.snapshots.items()}
        self.counts = Counts()

    def _taken(self, therapist_ids: list[int]) -> set[tuple[int, dt.date, int]]:
        """Every (therapist, day, hour) a live session already touches."""
        taken = set()
        live = Appointment.objects.live().filter(therapist_id__in=therapist_ids)
        for therapist_id, starts, ends in live.values_list("therapist_id", "starts_at", "ends_at"):
            start, end = starts.astimezone(self.zone), ends.astimezone(self.zone)
            for hour in range(start.hour, end.hour + (1 if end.minute else 0)):
                taken.add((therapist_id, start.date(), hour))
        return taken

    def arrivals(self, count: int) -> list[dt.datetime]:
        """``count`` arrival times spread over the period (never later than now), in order."""
        start = dt.datetime.combine(self.since, dt.time(8), tzinfo=self.zone)
        # (Now in UTC here: the span is the time that passed, not the clocks' difference.)
        end = min(
            dt.datetime.combine(self.until, dt.time(8), tzinfo=self.zone),
            self.now.astimezone(dt.UTC),
        )
        span = max(1, int((end - start).total_seconds()))
        return sorted(start + dt.timedelta(seconds=self.rng.randrange(span)) for _ in range(count))

    def run(
        self,
        count: int,
        *,
        batch: int,
        progress: Callable[[int], Any] | None,
        overlap: bool = False,
        unindexed: bool = False,
        processes: int = 1,
    ) -> Counts:
        """Invent and write ``count`` referrals, ``batch`` to a transaction. With
        ``overlap`` (outside any transaction) a second thread, on its own connection,
        writes each batch while this one invents the next: the database's work and the
        driver's waits run beside the Python that makes the rows. With ``unindexed``
        as well (PostgreSQL), that thread loads everything in one transaction with the
        tables' indexes, unique constraints and foreign keys (not the primary keys)
        dropped, and makes them again at the end: for a load as large as what is there
        already. Such a load is invented by ``processes`` processes (``_in_parts``)
        where there are at least two therapists for each."""
        times = self.arrivals(count)
        parts = min(processes, len(self.therapists) // 2)
        if overlap and unindexed and parts > 1 and connection.vendor == "postgresql":
            return self._in_parts(times, batch=batch, progress=progress, parts=parts)
        writer = bulk.Writer()
        # The objects made here hold no reference cycles and are freed batch by batch;
        # the cyclic collector, run every few hundred of them, cost a third of the time.
        collecting = gc.isenabled()
        gc.disable()
        background = None
        if overlap:
            unindexed = unindexed and connection.vendor == "postgresql"
            background = Background(writer, progress, unindexed=unindexed)
        try:
            for work, size in self._batches(times, batch):
                if background is not None:
                    background.put((work, size))
                    continue
                with transaction.atomic():
                    work.write(writer)
                if progress is not None:
                    progress(size)
        finally:
            if background is not None:
                background.finish()
            if collecting:
                gc.enable()
        writer.keys.reset_sequences()
        return self.counts

    def _batches(self, times: list[dt.datetime], batch: int) -> Iterator[tuple[Batch, int]]:
        """The referrals arriving at ``times`` invented ``batch`` at a time: each batch,
        with how many referrals it holds."""
        for number, first in enumerate(range(0, len(times), batch)):
            if number % 10 == 9:
                gc.collect()  # in case the database layers leave a cycle or two
            work = Batch()
            chunk = times[first : first + batch]
            for received in chunk:
                self.person(work, received)
            yield work, len(chunk)

    # A load in parts ---------------------------------------------------------------------

    def _in_parts(
        self,
        times: list[dt.datetime],
        *,
        batch: int,
        progress: Callable[[int], Any] | None,
        parts: int,
    ) -> Counts:
        """Invent the referrals arriving at ``times`` in ``parts`` processes, forked from
        this one, and write what they make here, in one transaction with the seeded
        tables unindexed (``bulk.Unindexed``).

        Python inventing the service is most of a large load's time, and one process
        runs on one core whatever its threads. Each part takes every ``parts``-th
        arrival and every ``parts``-th therapist (so its own diary: no therapist is
        booked by two parts), its own random numbers, references, public ids and keys
        (``bulk.Keys.step``), and sends each batch here as ``COPY`` text; this process
        only writes it. The same seed and number of parts give the same service. A
        part that fails, or dies, rolls the whole load back."""
        writer = bulk.Writer()
        writer.keys.read(SEEDED)  # the first free keys, read before the parts start
        # Forked, so the parts start with everything read here. They use nothing another
        # thread of this process may hold at the fork (the progress bar's monitor, a
        # test's server): no database, no logging, no progress bar.
        context = multiprocessing.get_context("fork")
        made: Any = context.Queue(maxsize=2 * parts)
        # A forked process must not share this one's connection: each would read the
        # other's replies. The parts never touch the database.
        connection.close()
        children = [
            context.Process(
                target=self._part,
                args=(number, parts, times[number::parts], batch, writer, made),
                daemon=True,
            )
            for number in range(parts)
        ]
        for child in children:
            child.start()
        try:
            with transaction.atomic():
                tables = bulk.Unindexed(SEEDED)
                tables.drop()
                with connection.cursor() as cursor:
                    self._write_parts(cursor, made, children, progress)
                tables.restore()
        finally:
            for child in children:
                if child.is_alive():
                    child.terminate()
                child.join()
            made.close()
            made.cancel_join_thread()
        writer.keys.reset_sequences()
        return self.counts

    def _write_parts(
        self,
        cursor: Any,
        made: Any,
        children: list[Any],
        progress: Callable[[int], Any] | None,
    ) -> None:
        """Write each batch the parts send, as it comes, until each has said it is done."""
        working = len(children)
        while working:
            try:
                kind, number, payload = made.get(timeout=1)
            except queue.Empty:
                for part, child in enumerate(children, start=1):
                    if child.exitcode not in (None, 0):
                        raise RuntimeError(
                            f"Part {part} of the load stopped (exit code {child.exitcode})."
                        ) from None
                continue
            if kind == "failed":
                raise RuntimeError(f"Part {number + 1} of the load failed:\n{payload}")
            if kind == "done":
                for name in vars(payload):
                    setattr(self.counts, name, getattr(self.counts, name) + getattr(payload, name))
                working -= 1
                continue
            copies, size = payload
            for statement, text in copies:
                with cursor.cursor.copy(statement) as copy:
                    copy.write(text)
            if progress is not None:
                progress(size)

    def _part(
        self,
        number: int,
        parts: int,
        times: list[dt.datetime],
        batch: int,
        writer: bulk.Writer,
        made: Any,
    ) -> None:
        """In a forked process: invent the referrals arriving at ``times`` on this
        part's therapists, and send each batch's ``COPY`` statements and text."""
        gc.disable()  # as in ``run``: nothing made here holds a cycle
        try:
            label = f"{self.rng.random()}:{number}/{parts}"
            self.rng = random.Random(label)
            bulk.seed_ids(f"{label}:ids")
            # Serial numbers: part 0 takes the first after the service's, part 1 the
            # second, and so on.
            self.serial += number + 1 - parts
            self.stride = parts
            self.counts = Counts()
            self.diary = Diary(
                self.therapists[number::parts],
                opens=self.since,
                closed=self.closed,
                taken=self.taken,
            )
            writer.keys.next = {model: key + number for model, key in writer.keys.next.items()}
            writer.keys.step = parts
            for work, size in self._batches(times, batch):
                copies = [writer.copy_text(objects) for objects in work.tables() if objects]
                made.put(("batch", number, (copies, size)))
            made.put(("done", number, self.counts))
        except BaseException:
            made.put(("failed", number, traceback.format_exc()))
        finally:
            made.close()
            made.join_thread()

    # One person -------------------------------------------------------------------------

    def person(self, work: Batch, received: dt.datetime) -> None:
        rng = self.rng
        came = stories.arrival(rng)
        patient, referral = self.referral(came, received)
        work.patients.append(patient)
        work.referrals.append(referral)
        work.responses += self.screening(referral, came)
        self.counts.referrals += 1
        decided = stories.triage(rng, came.urgent)
        assessed_at = received + dt.timedelta(days=decided.assessed_after, hours=2)
        if assessed_at > self.now:
            referral.status = "received" if rng.random() < 0.6 else "in_triage"
            return
        work.assessments.append(self.assessment(referral, came, decided))
        if decided.modality and not self.diary.can_run(decided.modality):
            decided = dataclasses.replace(decided, outcome="signpost", modality="")
        work.decisions.append(self.decision(referral, decided, assessed_at))
        if not decided.modality:
            referral.status = STATUS_AFTER[decided.outcome]
            return
        allocated_at = assessed_at + dt.timedelta(days=decided.allocated_after)
        self.treat(work, referral, decided, allocated_at, came)

    def referral(self, came: stories.Arrival, received: dt.datetime) -> tuple[Patient, Referral]:
        rng = self.rng
        self.serial += self.stride
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        town, postcode = rng.choice(TOWNS)
        born = dt.date(received.year - rng.randint(18, 75), rng.randint(1, 12), rng.randint(1, 28))
        person = {
            "first_name": first,
            "last_name": last,
            "date_of_birth": born,
            "address_line_1": f"{rng.randint(1, 180)} Example Street",
            "town": town,
            "postcode": postcode,
            "phone": f"+447700900{rng.randint(100, 999)}",
            "email": f"{first.lower()}.{last.lower()}.{self.serial}@example.org",
            "gp_practice": rng.choice(("Park Lane Surgery", "Riverside Medical Centre")),
        }
        patient = bulk.make(Patient, **person)
        referral = bulk.make(
            Referral,
            reference=_reference(self.serial),
            submission_token=uuid.UUID(int=rng.getrandbits(128), version=4),
            status="received",
            received_at=received,
            acknowledgement_sent_at=received,
            source=came.source,
            patient=patient,
            urgent=came.urgent,
            risk_reasons=RISK_REASONS[bool(came.risk_item)],
            preferred_contact=rng.choice(("phone", "email", "text")),
            may_leave_message=rng.random() < 0.7,
            available_times=AVAILABLE_TIMES,
            main_difficulties=rng.choice(DIFFICULTIES),
            duration=rng.choice(("under_3m", "3m_1y", "1y_2y", "over_2y")),
            problem_areas=rng.sample(["low_mood", "anxiety", "conflict", "grief"], 2),
            substance_use="none",
            consent_to_referral=True,
            consent_to_gp_contact=rng.random() < 0.9,
            **person,
        )
        return patient, referral

    def screening(self, referral: Referral, came: stories.Arrival) -> list[QuestionnaireResponse]:
        return [
            _response(
                PHQ9,
                came.phq9,
                "self_referral",
                referral.received_at,
                referral=referral,
                last_item=came.risk_item,
            ),
            _response(GAD7, came.gad7, "self_referral", referral.received_at, referral=referral),
        ]

    def assessment(
        self, referral: Referral, came: stories.Arrival, decided: stories.Triage
    ) -> TriageAssessment:
        return bulk.make(
            TriageAssessment,
            referral=referral,
            assessed_by=self.triage_lead,
            presenting_problem=referral.main_difficulties,
            risk_to_self="Synthetic: thoughts of being better off dead, no plan."
            if came.risk_item
            else "Synthetic: no thoughts of harm reported.",
            protective_factors="Synthetic: a close friend; work.",
            urgency="urgent" if came.urgent else "routine",
            suitable_for=SUITABLE_FOR.setdefault(decided.modality, [decided.modality]),
            relational_focus=decided.modality == "dit",
        )

    def decision(
        self, referral: Referral, decided: stories.Triage, at: dt.datetime
    ) -> TriageDecision:
        if decided.modality:
            referral.status, referral.offered_modality = "waiting", decided.modality
        return bulk.make(
            TriageDecision,
            referral=referral,
            outcome=decided.outcome,
            modality=decided.modality,
            signposted_to="Citizens Advice (debt advice)" if decided.outcome == "signpost" else "",
            decided_by=self.triage_lead,
            decided_at=at,
        )

    # The course ---------------------------------------------------------------------------

    def treat(
        self,
        work: Batch,
        referral: Referral,
        decided: stories.Triage,
        allocated_at: dt.datetime,
        came: stories.Arrival,
    ) -> None:
        """Wait for a slot, then allocate (two weeks before the first session at the
        latest) and start the course, as far as today allows."""
        plan = stories.course_plan(self.rng, decided.modality)
        earliest = allocated_at.astimezone(self.zone).date() + dt.timedelta(decided.starts_after)
        long = BUILT_IN[plan.protocol].session_minutes > 60
        booking = self.diary.plan(decided.modality, earliest, len(plan.happens), 2 if long else 1)
        ends = booking.dates[plan.ends_after]
        if self.closed_only and stories.at_time(ends, 20, self.zone) > self.now:
            referral.status = "withdrawn"  # the demo's history holds no open referral
            referral.offered_modality = ""
            work.decisions[-1].outcome, work.decisions[-1].modality = "withdrawn", ""
            return
        self.diary.take(booking, ends)
        first_at = stories.at_time(booking.dates[0], booking.hour, self.zone)
        allocated_at = max(allocated_at, first_at - dt.timedelta(days=14))
        if allocated_at > self.now:
            return  # still on the waiting list
        therapist = self.users[booking.therapist_id]
        allocation = bulk.make(
            Allocation,
            referral=referral,
            therapist=therapist,
            modality=decided.modality,
            allocated_by=self.triage_lead,
            allocated_at=allocated_at,
            therapist_told_at=allocated_at,
        )
        work.allocations.append(allocation)
        if first_at - dt.timedelta(days=3) > self.now:
            referral.status = "allocated"
            return
        self.course(work, referral, allocation, plan, booking, came)

    def course(
        self,
        work: Batch,
        referral: Referral,
        allocation: Allocation,
        plan: stories.Plan,
        booking: Booking,
        came: stories.Arrival,
    ) -> None:
        protocol = BUILT_IN[plan.protocol]
        times = [stories.at_time(day, booking.hour, self.zone) for day in booking.dates]
        ended_at = times[plan.ends_after] + dt.timedelta(hours=6)
        ended = ended_at <= self.now
        course = bulk.make(
            Course,
            referral=referral,
            patient=referral.patient,
            therapist=allocation.therapist,
            modality=allocation.modality,
            protocol_code=protocol.code,
            protocol_version=protocol.version,
            protocol_snapshot=self.snapshots[plan.protocol],
            protocol_digest=self.digests[plan.protocol],
            planned_sessions=plan.planned,
            weekday=booking.slot.weekday,
            time=dt.time(booking.hour),
            start_date=booking.dates[0],
            agreed_end_date=booking.dates[-1],
            status=plan.ending if ended else CourseStatus.ACTIVE,
            started_at=min(allocation.allocated_at + dt.timedelta(days=2), times[0]),
            started_by=allocation.therapist,
            ended_at=ended_at if ended else None,
            end_reason=f"Synthetic: {plan.ending.replace('_', ' ')}." if ended else "",
        )
        work.courses.append(course)
        referral.status = "discharged" if ended else "in_treatment"
        if ended:
            allocation.ended_at = ended_at
        self.counts.courses += 1
        attended = self.sessions(work, course, plan, times, protocol.session_minutes, ended)
        self.measures(work, course, plan, attended, (came.phq9, came.gad7))

    def sessions(
        self,
        work: Batch,
        course: Course,
        plan: stories.Plan,
        times: list[dt.datetime],
        minutes: int,
        ended: bool,
    ) -> list[Appointment]:
        attended = []
        length = dt.timedelta(minutes=minutes)
        for index, starts_at in enumerate(times):
            happened = plan.happens[index]
            # A session is recorded once it is over: one still running is booked.
            ends_at = _later(starts_at, length)
            if ends_at > self.now or not happened:
                status = "not_needed" if ended else "booked"
                # Booked with the course; no longer needed once it ended.
                changed = course.ended_at or course.started_at
            else:
                status = happened
                changed = ends_at  # recorded as the session closed
            session = bulk.make(
                Appointment,
                course=course,
                number=plan.first_number + index,
                starts_at=starts_at,
                ends_at=ends_at,
                therapist=course.therapist,
                status=status,
                updated_at=max(changed, course.started_at),
            )
            work.sessions.append(session)
            if status == "attended":
                attended.append(session)
                work.records.append(self.signed_record(course, session))
        self.counts.sessions += len(times)
        # The course changed last when it ended, or when its latest session was recorded.
        made = [s.updated_at for s in work.sessions[-len(times) :]]
        course.updated_at = max([course.ended_at or course.started_at, *made])
        return attended

    def signed_record(self, course: Course, session: Appointment) -> SessionRecord:
        """The session's record, signed the same day: a service's past sessions are
        written up (without it every therapist's day would list them all to sign)."""
        protocol = BUILT_IN[course.protocol_code]
        phase = phase_for(protocol, session.number, course.planned_sessions)
        signed = min(_later(session.ends_at, SIGNED_AFTER), self.now)
        return bulk.make(
            SessionRecord,
            appointment=session,
            phase=phase.key,
            risk_checked=True,
            updated_at=signed,
            signed_at=signed,
            signed_by=course.therapist,
        )

    def measures(
        self,
        work: Batch,
        course: Course,
        plan: stories.Plan,
        attended: list[Appointment],
        screened: tuple[int, int],
    ) -> None:
        """PHQ-9 and GAD-7 at nearly every attended session (a start near the screening
        scores), with the alerts they raise."""
        referral = course.referral
        start = (
            stories.clip(self.rng.gauss(screened[0], 2), 0, 27),
            stories.clip(self.rng.gauss(screened[1], 2), 0, 21),
        )
        path = stories.scores(self.rng, start, plan.trajectory, len(plan.happens))
        first: dict[str, int] = {}
        worse_alerted: set[str] = set()
        for step, session in enumerate(attended):
            if 0 < step < len(attended) - 1 and self.rng.random() < 0.04:
                continue  # not answered this time
            portal = self.rng.random() < 0.6
            at = _later(session.starts_at, ANSWERED[portal])
            risk_item = 1 if referral.urgent and step < 2 else 0
            scores = path[session.number - plan.first_number]
            for instrument, total in zip((PHQ9, GAD7), scores, strict=True):
                response = _response(
                    instrument,
                    total,
                    "portal" if portal else "in_session",
                    at,
                    course=course,
                    appointment=session,
                    entered_by=None if portal else course.therapist,
                    last_item=risk_item if instrument is PHQ9 else 0,
                )
                work.responses.append(response)
                self.counts.responses += 1
                first.setdefault(instrument.code, total)
                if response.risk_flagged:
                    work.alerts.append(self.alert(course, response, AlertKind.RISK_ANSWER))
                worse = total - first[instrument.code] >= instrument.reliable_change
                if worse and instrument.code not in worse_alerted:
                    worse_alerted.add(instrument.code)
                    work.alerts.append(self.alert(course, response, AlertKind.DETERIORATION))
        if course.modality in ("ipt", "dit") and len(attended) >= 4:
            work.focuses.append(self.focus(course, attended[3].starts_at))

    def alert(self, course: Course, response: QuestionnaireResponse, kind: str) -> RiskAlert:
        raised = response.answered_at
        seen = self.in_working_hours(raised + dt.timedelta(hours=self.rng.randint(1, 30)))
        self.counts.alerts += 1
        return bulk.make(
            RiskAlert,
            course=course,
            response=response,
            kind=kind,
            instrument_code=response.instrument_code,
            therapist=course.therapist,
            raised_at=raised,
            due_by=raised + dt.timedelta(days=1),
            acknowledged_at=seen if seen < self.now else None,
            acknowledged_by=course.therapist if seen < self.now else None,
            action_note="Synthetic: called the person and agreed a plan."
            if seen < self.now
            else "",
        )

    def in_working_hours(self, moment: dt.datetime) -> dt.datetime:
        """``moment``, or if it falls outside 09:00-17:00 on a weekday (local time), the
        next working morning at 09:00 plus the minutes past the hour: a therapist
        acknowledges an alert at work, not at 01:00."""
        local = moment.astimezone(self.zone)
        if local.weekday() < 5 and 9 <= local.hour < 17:
            return moment
        day = local.date() + dt.timedelta(days=1 if local.hour >= 17 else 0)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(9, local.minute), tzinfo=self.zone)

    def focus(self, course: Course, agreed: dt.datetime) -> Focus:
        return bulk.make(
            Focus,
            course=course,
            problem_area=self.rng.choice(PROBLEM_AREAS),
            agreed_on=agreed.astimezone(self.zone).date(),
            shared_with_patient=True,
        )


@cache
def _scored(code: str, total: int, last_item: int) -> dict[str, Any]:
    """A response's fields that follow from its instrument and total, made once."""
    instrument = PHQ9 if code == PHQ9.code else GAD7
    answers = stories.items(total, len(instrument.items), last_item)
    result = score(instrument, {int(k): v for k, v in answers.items()})
    return {
        "instrument_code": instrument.code,
        "instrument_version": instrument.version,
        "answers": answers,
        "total": result.total,
        "band": result.band,
        "complete": result.complete,
        "at_caseness": result.at_caseness,
        "risk_flagged": bool(result.risk_items_positive),
    }


def _response(
    instrument: Instrument,
    total: int,
    source: str,
    answered_at: dt.datetime,
    *,
    last_item: int = 0,
    **owner: Any,
) -> QuestionnaireResponse:
    return bulk.make(
        QuestionnaireResponse,
        **_scored(instrument.code, total, last_item),
        source=source,
        answered_at=answered_at,
        **owner,
    )


@lru_cache(maxsize=1 << 18)
def _later(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``moment + delta`` for a session's times (``stories.at_time``'s shared objects, a
    few hours on): sessions share their hours, so each sum is made, and hashed when
    written (``bulk._iso``), once."""
    return moment + delta


def _reference(serial: int) -> str:
    """A reference in the service's format (``IP-7KMX-3QAD``), unique per serial number:
    a fixed permutation of the numbers below 27^8, so neighbours do not look alike."""
    space = len(REFERENCE_ALPHABET) ** 8
    number = (serial * 387_420_489_097 + 12_345_678_901) % space
    letters = []
    for _ in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        letters.append(REFERENCE_ALPHABET[digit])
    return f"IP-{''.join(letters[:4])}-{''.join(letters[4:])}"


def history(referrals: int, therapists: Sequence[User], triage_lead: User) -> Counts:
    """A year of closed history for the demo: ``referrals`` arriving from a year ago to
    three months ago, taken through triage by ``triage_lead`` and treated by
    ``therapists`` in their working hours, around the sessions they already have. Every
    referral is closed by today (a course that would still run is withdrawn before it
    starts), so caseloads and waiting lists show only the demo's own people while the
    service figures have a year to count."""
    today = timezone.localdate()
    service = Service(
        therapists=therapists,
        triage_lead=triage_lead,
        since=today - dt.timedelta(days=365),
        until=today - dt.timedelta(days=90),
        seed=2026,
        closed_only=True,
    )
    return service.run(referrals, batch=max(1, referrals), progress=None)

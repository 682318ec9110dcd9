"""The synthetic service: plausible, consistent with itself, and its figures rows right."""

import datetime as dt
import io
import re
import uuid
from collections import Counter
from typing import Any
from unittest import mock, skipUnless
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.forms.models import model_to_dict
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from interplay.courses.models import Appointment, Course, CourseStatus
from interplay.demo import bulk, seeding, staff
from interplay.demo.diary import Diary, Therapist
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring.models import RiskAlert
from interplay.patients.models import Patient
from interplay.referrals.models import Referral
from interplay.reports import rows
from interplay.reports.models import CourseFigures
from interplay.test import BaseTestCase
from interplay.triage.models import Allocation


def stored_rows() -> dict[int, dict[str, Any]]:
    return {
        r.pk: {k: v for k, v in model_to_dict(r).items() if k != "updated_at"}
        for r in CourseFigures.objects.all()
    }


# The service's story depends on the day it is told: who is still waiting for a slot,
# who has started. One day, with the clock running, so what a small service holds does
# not change from one day's run to the next (on 5 December 2026 it held nobody waiting).
@time_machine.travel(dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC), tick=True)
class SeededServiceTests(BaseTestCase):
    began: dt.datetime

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        therapists, lead = staff.synthetic_staff(3)
        cls.began = timezone.now()
        seeding.Service(
            therapists=therapists,
            triage_lead=lead,
            since=timezone.localdate() - dt.timedelta(days=700),
            until=timezone.localdate(),
            seed=7,
        ).run(240, batch=100, progress=None)

    def test_the_rows_written_in_bulk_equal_a_rebuild(self) -> None:
        seeded = stored_rows()
        self.assertEqual(len(seeded), Course.objects.count())
        CourseFigures.objects.all().delete()
        rows.rebuild()
        self.assertEqual(stored_rows(), seeded)

    def test_every_attended_session_has_its_record_signed_in_the_past(self) -> None:
        # A service's past sessions are written up: nothing for a therapist's day to list.
        attended = Appointment.objects.filter(status="attended")
        self.assertTrue(attended.exists())
        self.assertFalse(attended.filter(record__signed_at=None).exists())
        self.assertFalse(attended.filter(record__signed_at__lt=F("ends_at")).exists())
        self.assertFalse(attended.filter(record__signed_at__gt=timezone.now()).exists())

    def test_alerts_are_acknowledged_at_work_after_they_were_raised(self) -> None:
        acknowledged = RiskAlert.objects.exclude(acknowledged_at=None)
        self.assertTrue(acknowledged.exists())
        zone = ZoneInfo(settings.TIME_ZONE)
        for alert in acknowledged:
            assert alert.acknowledged_at is not None
            seen = alert.acknowledged_at.astimezone(zone)
            self.assertLess(seen.weekday(), 5)
            self.assertTrue(9 <= seen.hour < 17, seen)
            self.assertGreater(seen, alert.raised_at)

    def test_referrals_come_from_every_source_and_some_are_urgent(self) -> None:
        self.assertEqual(Referral.objects.count(), 240)
        sources = Counter(Referral.objects.values_list("source", flat=True))
        self.assertEqual(set(sources), {"self", "gp", "other_health", "other"})
        self.assertGreater(sources["self"], sources["other"])
        self.assertTrue(Referral.objects.filter(urgent=True).exists())
        statuses = set(Referral.objects.values_list("status", flat=True))
        self.assertLessEqual({"discharged", "signposted", "declined", "in_treatment"}, statuses)

    def test_each_referral_offered_therapy_keeps_the_modality_its_decision_offered(self) -> None:
        # The waiting lists are read by the modality on the referral: a seeded service's
        # people must be on the list their decision put them on, and nobody else on any.
        offered = Referral.objects.exclude(offered_modality="")
        self.assertTrue(offered.filter(status="waiting").exists())
        self.assertFalse(offered.exclude(offered_modality=F("decision__modality")).exists())
        self.assertFalse(
            Referral.objects.filter(offered_modality="", decision__modality__gt="").exists()
        )

    def test_courses_end_in_every_way_with_missed_and_cancelled_sessions(self) -> None:
        endings = set(Course.objects.values_list("status", flat=True))
        self.assertLessEqual({"completed", "dropped_out", "active"}, endings)
        seen = set(Appointment.objects.values_list("status", flat=True))
        self.assertLessEqual({"attended", "dna", "cancelled_patient", "not_needed"}, seen)
        self.assertFalse(
            Appointment.objects.filter(status="booked", starts_at__lt=timezone.now())
            .exclude(course__status="active")
            .exists()
        )

    def test_each_row_changed_when_its_story_says_never_at_seeding_time(self) -> None:
        # A client polling for changes sees a year of history, not every row made today.
        seeded_at = self.began
        ended = Course.objects.exclude(ended_at=None)
        self.assertTrue(ended.exists())
        self.assertFalse(ended.exclude(updated_at__gte=F("ended_at")).exists())
        self.assertFalse(Course.objects.filter(updated_at__lt=F("started_at")).exists())
        self.assertFalse(Course.objects.filter(updated_at__gt=seeded_at).exists())
        recorded = Appointment.objects.exclude(status__in=("booked", "not_needed"))
        self.assertFalse(recorded.exclude(updated_at=F("ends_at")).exists())
        self.assertFalse(
            Appointment.objects.filter(status="booked")
            .exclude(updated_at=F("course__started_at"))
            .exists()
        )
        self.assertFalse(Appointment.objects.filter(updated_at__gt=seeded_at).exists())

    def test_about_half_of_those_who_finish_at_caseness_recover(self) -> None:
        finished = CourseFigures.objects.filter(finished=True, paired=True, at_caseness=True)
        share = finished.filter(recovered=True).count() / finished.count()
        self.assertTrue(0.3 < share < 0.75, share)
        self.assertTrue(CourseFigures.objects.filter(finished=True, reliable_rise=True).exists())

    def test_no_therapist_is_in_two_sessions_at_once(self) -> None:
        live = Appointment.objects.live().order_by("therapist_id", "starts_at")
        previous: Any = None
        for session in live.only("therapist_id", "starts_at", "ends_at"):
            if previous is not None and previous.therapist_id == session.therapist_id:
                self.assertGreaterEqual(session.starts_at, previous.ends_at)
            previous = session

    def test_nobody_is_seen_before_they_were_referred(self) -> None:
        waits = CourseFigures.objects.exclude(wait_days=None).values_list("wait_days", flat=True)
        self.assertGreaterEqual(min(w or 0 for w in waits), 5)

    def test_every_stored_value_reads_back_through_its_own_field(self) -> None:
        # Shared lists and answers are stored once per value; each row must still read.
        for response in QuestionnaireResponse.objects.all():
            self.assertEqual(sum(response.answers.values()), response.total)
        reasons = {tuple(r.risk_reasons) for r in Referral.objects.all()}
        self.assertEqual(reasons, {(), ("phq9_item9",)})
        referral = Referral.objects.first()
        assert referral is not None
        self.assertEqual(referral.available_times, ["weekday_morning", "weekday_afternoon"])
        for course in Course.objects.all():
            self.assertEqual(course.protocol().code, course.protocol_code)
        ids = list(Referral.objects.values_list("public_id", flat=True))
        self.assertEqual(len(set(ids)), len(ids))
        self.assertEqual({i.version for i in ids}, {4})

    def test_words_are_stored_encrypted(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, main_difficulties FROM referrals_referral LIMIT 1")
            pk, stored = cursor.fetchone()
        self.assertTrue(stored.startswith("gAAAA"))  # a Fernet token, not the words
        self.assertIn(" ", Referral.objects.get(pk=pk).main_difficulties)


class WriterTests(BaseTestCase):
    def test_text_with_tabs_newlines_and_backslashes_is_stored_as_given(self) -> None:
        awkward = "Flat 2\tBlock C\nRiver\\Side \\N\r\n"
        writer = bulk.Writer()
        born = dt.date(1990, 5, 1)
        person = bulk.make(
            Patient, first_name="Ana", last_name="Ode", address_line_1=awkward, date_of_birth=born
        )
        writer.write([person])
        stored = Patient.objects.get(first_name="Ana")
        self.assertEqual(stored.address_line_1, awkward)
        self.assertEqual((stored.address_line_2, stored.date_of_birth), ("", born))
        self.assertIsNone(stored.anonymised_at)
        self.assertLess(timezone.now() - stored.created_at, dt.timedelta(minutes=5))
        self.assertEqual(stored.public_id.version, 4)


class PublicIdTests(BaseTestCase):
    def test_the_same_seed_gives_the_same_public_ids(self) -> None:
        def ids(seed: str) -> list[uuid.UUID]:
            bulk.seed_ids(seed)
            made = [str(bulk.make(Referral).public_id) for _ in range(3)]
            bulk.seed_ids(None)
            return [uuid.UUID(i) for i in made]

        self.assertEqual(ids("7:0:ids"), ids("7:0:ids"))
        self.assertNotEqual(ids("7:0:ids"), ids("7:240:ids"))
        self.assertEqual({i.version for i in ids("7:0:ids")}, {4})


class OverlappedWritingTests(TransactionTestCase):
    """The command's own path: a second thread writes while the next batch is made."""

    @override_settings(DEBUG=True)
    def test_a_seeded_and_topped_up_service_is_whole_and_the_keys_move_on(self) -> None:
        out = io.StringIO()
        call_command("seed_service", referrals=30, batch=7, verbosity=0, stdout=out)
        call_command("seed_service", referrals=20, batch=6, verbosity=0, stdout=out)
        self.assertIn("Seeded 30 referrals", out.getvalue())
        self.assertIn("referrals a second", out.getvalue())
        self.assertEqual(Referral.objects.count(), 50)
        self.assertEqual(CourseFigures.objects.count(), Course.objects.count())
        seeded = stored_rows()
        rows.rebuild()
        self.assertEqual(stored_rows(), seeded)
        # The database's own numbering carries on past the seeder's keys.
        patient = Patient.objects.get(pk=1)
        patient.pk = None
        patient.public_id = uuid.uuid4()
        patient.save()
        self.assertGreater(patient.pk, 50)


def schema_of_seeded_tables() -> list[tuple[str, ...]]:
    """Every index and constraint of the seeded tables, as the database prints them."""
    tables = [m._meta.db_table for m in seeding.SEEDED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        found = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
            "condeferrable::text, condeferred::text, convalidated::text FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        return found + cursor.fetchall()


@skipUnless(connection.vendor == "postgresql", "indexes are dropped on PostgreSQL only")
class UnindexedLoadTests(TransactionTestCase):
    """A large load drops the seeded tables' non-unique indexes and foreign keys, and
    makes them again, in the one transaction that writes the rows."""

    def seed(self, count: int, progress: Any) -> None:
        therapists, lead = staff.synthetic_staff(3)
        seeding.Service(
            therapists=therapists,
            triage_lead=lead,
            since=timezone.localdate() - dt.timedelta(days=400),
            until=timezone.localdate(),
            seed=5,
        ).run(count, batch=20, progress=progress, overlap=True, unindexed=True)

    def test_the_schema_ends_as_it_began_and_the_rows_are_whole(self) -> None:
        before = schema_of_seeded_tables()
        during: list[set[str]] = []
        # Called on the writing thread, inside its transaction: what it sees there.
        self.seed(60, lambda size: during.append({row[1] for row in schema_of_seeded_tables()}))
        names = {row[1] for row in before}
        # Gone while the rows go in: a plain index, a unique constraint on a random public
        # id, a partial unique index and a foreign key; the primary keys stay.
        gone = {
            "patient_name_dob",
            "measures_questionnaireresponse_public_id_key",
            "therapist_one_place_at_a_time",
            "one_live_session_number",
        }
        self.assertLessEqual(gone, names)
        for seen in during:
            self.assertFalse(seen & gone)
            self.assertIn("measures_questionnaireresponse_pkey", seen)
            self.assertFalse(any(name.endswith("_fk_courses_course_id") for name in seen))
        self.assertEqual(schema_of_seeded_tables(), before)
        self.assertEqual(Referral.objects.count(), 60)
        seeded = stored_rows()
        rows.rebuild()
        self.assertEqual(stored_rows(), seeded)

    def test_a_failed_load_leaves_neither_rows_nor_a_changed_schema(self) -> None:
        before = schema_of_seeded_tables()

        def fail(size: int) -> None:
            raise RuntimeError("stop")

        with self.assertRaises(RuntimeError):
            self.seed(60, fail)
        self.assertEqual(schema_of_seeded_tables(), before)
        self.assertEqual(Referral.objects.count(), 0)


@skipUnless(connection.vendor == "postgresql", "a load is made in parts on PostgreSQL only")
class LoadInPartsTests(TransactionTestCase):
    """A large load invented by two processes, each on half the therapists, and
    written by this one in one transaction."""

    def seed(self, count: int, progress: Any = None) -> seeding.Counts:
        therapists, lead = staff.synthetic_staff(4)
        return seeding.Service(
            therapists=therapists,
            triage_lead=lead,
            since=timezone.localdate() - dt.timedelta(days=400),
            until=timezone.localdate(),
            seed=5,
        ).run(count, batch=20, progress=progress, overlap=True, unindexed=True, processes=2)

    def service(self) -> dict[str, tuple[str, str, str]]:
        """Each referral's public id, status and therapist, by reference."""
        therapists = dict(
            Allocation.objects.values_list("referral__reference", "therapist__username")
        )
        return {
            reference: (str(public_id), status, therapists.get(reference, ""))
            for reference, public_id, status in Referral.objects.values_list(
                "reference", "public_id", "status"
            )
        }

    def test_two_processes_write_one_whole_service(self) -> None:
        before = schema_of_seeded_tables()
        sizes: list[int] = []
        made = self.seed(150, sizes.append)
        self.assertEqual(sum(sizes), 150)
        self.assertEqual(schema_of_seeded_tables(), before)
        # What the parts counted is what is there.
        self.assertEqual(Referral.objects.count(), 150)
        self.assertEqual(made.courses, Course.objects.count())
        self.assertEqual(made.sessions, Appointment.objects.count())
        self.assertEqual(made.alerts, RiskAlert.objects.count())
        self.assertGreater(made.courses, 50)
        # References are the service's next serial numbers, each once.
        references = set(Referral.objects.values_list("reference", flat=True))
        self.assertEqual(references, {seeding._reference(n) for n in range(1, 151)})
        # Both parts' therapists have courses.
        self.assertEqual(len(set(Course.objects.values_list("therapist", flat=True))), 4)
        seeded = stored_rows()
        rows.rebuild()
        self.assertEqual(stored_rows(), seeded)
        # The database's own numbering carries on past the parts' keys.
        top = Appointment.objects.order_by("-pk").first()
        assert top is not None
        again = Appointment.objects.create(
            course=top.course,
            number=99,
            starts_at=top.starts_at + dt.timedelta(days=400),
            ends_at=top.ends_at + dt.timedelta(days=400),
            therapist=top.therapist,
            status="booked",
        )
        self.assertGreater(again.pk, top.pk)

    def test_the_same_seed_gives_the_same_service(self) -> None:
        self.seed(60)
        first = self.service()
        call_command("flush", interactive=False, verbosity=0)
        self.seed(60)
        self.assertEqual(self.service(), first)

    def test_a_part_that_fails_leaves_neither_rows_nor_a_changed_schema(self) -> None:
        before = schema_of_seeded_tables()
        person = seeding.Service.person
        calls = []

        def fail_at_the_fortieth(service: seeding.Service, *args: Any) -> None:
            calls.append(1)
            if len(calls) == 40:
                raise ValueError("an invented person could not be made")
            person(service, *args)

        with (
            mock.patch.object(seeding.Service, "person", fail_at_the_fortieth),
            self.assertRaisesRegex(RuntimeError, "could not be made"),
        ):
            self.seed(120)
        self.assertEqual(schema_of_seeded_tables(), before)
        self.assertEqual(Referral.objects.count(), 0)


class ClosedHistoryTests(BaseTestCase):
    def test_the_demos_history_leaves_nothing_open(self) -> None:
        therapists, lead = staff.synthetic_staff(2)
        today = timezone.localdate()
        seeding.Service(
            therapists=therapists,
            triage_lead=lead,
            since=today - dt.timedelta(days=365),
            until=today - dt.timedelta(days=120),
            seed=3,
            closed_only=True,
        ).run(60, batch=60, progress=None)
        self.assertFalse(Course.objects.filter(status=CourseStatus.ACTIVE).exists())
        open_ = {"received", "in_triage", "waiting", "allocated", "in_treatment"}
        self.assertFalse(Referral.objects.filter(status__in=open_).exists())
        self.assertTrue(CourseFigures.objects.filter(finished=True).exists())


class DiaryTests(BaseTestCase):
    def test_a_slot_is_used_by_one_course_at_a_time_and_skips_closed_days(self) -> None:
        monday = dt.date(2026, 12, 14)
        diary = Diary(
            [Therapist(1, frozenset({"ipt"}), ((0, 9, 10),))],
            opens=monday,
            closed={dt.date(2026, 12, 28)},
            taken={(1, dt.date(2026, 12, 21), 9)},
        )
        first = diary.plan("ipt", monday, 3)
        self.assertEqual(
            first.dates, [monday, dt.date(2027, 1, 4), dt.date(2027, 1, 11)]
        )  # the 21st is taken, the 28th a closure
        diary.take(first, first.dates[-1])
        self.assertEqual(diary.plan("ipt", monday, 1).dates, [dt.date(2027, 1, 18)])


@override_settings(DEBUG=True)
class CommandTests(BaseTestCase):
    def test_seed_service_says_what_it_wrote_and_how_long_it_took(self) -> None:
        out = io.StringIO()
        call_command("seed_service", referrals=25, verbosity=0, stdout=out)
        self.assertIn("Seeded 25 referrals", out.getvalue())
        self.assertIn("seconds", out.getvalue())
        self.assertEqual(Referral.objects.count(), 25)

    def test_rebuild_figures_rewrites_every_row(self) -> None:
        call_command("seed_service", referrals=25, verbosity=0, stdout=io.StringIO())
        courses = Course.objects.count()
        CourseFigures.objects.all().delete()
        out = io.StringIO()
        call_command("rebuild_figures", batch=7, verbosity=0, stdout=out)
        self.assertIn(f"Rebuilt {courses} figures rows", out.getvalue())
        self.assertEqual(CourseFigures.objects.count(), courses)


@override_settings(DEMO=True)
class DemoHistoryTests(BaseTestCase):
    def test_the_demo_gets_a_closed_year_for_its_own_therapists(self) -> None:
        out = io.StringIO()
        call_command("demo_setup", history=40, stdout=out)
        self.assertEqual(Referral.objects.count(), 36 + 40)
        names = set(CourseFigures.objects.values_list("therapist__username", flat=True))
        # The history is the demo's two therapists'; Riley's courses are supervision stories.
        self.assertEqual(names, {"therapist", "supervisor", "riley"})
        self.assertGreater(CourseFigures.objects.filter(finished=True).count(), 10)
        # The demo's own stories are untouched: eight courses part-way (four stages, two
        # supervision stories, two for the therapist's day), two open alerts, and only its
        # own courses printed (those eight and the one ended with its review); beside them
        # the running group's eight members, each on their own group IPT course.
        running = Course.objects.filter(ended_at=None)
        self.assertEqual(running.exclude(modality="group_ipt").count(), 8)
        self.assertEqual(running.filter(modality="group_ipt").count(), 8)
        self.assertEqual(RiskAlert.objects.open().count(), 2)
        self.assertEqual(len(re.findall(r"^Course ", out.getvalue(), re.MULTILINE)), 9)
        # Past sessions of the history and of the ended story are written up and signed:
        # nothing left for a therapist's day to list.
        history = Course.objects.exclude(therapist__username="riley").exclude(modality="group_ipt")
        history = history.exclude(ended_at=None)
        attended = Appointment.objects.filter(course__in=history, status="attended")
        self.assertTrue(attended.exists())
        self.assertFalse(attended.filter(record__signed_at=None).exists())
        seeded = stored_rows()
        rows.rebuild()
        self.assertEqual(stored_rows(), seeded)

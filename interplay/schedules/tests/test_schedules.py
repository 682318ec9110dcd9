"""The periodic jobs: each scheduled once, when the README says, doing what its command does."""

import datetime as dt
import io
import re
import tempfile
import zoneinfo
from collections import Counter
from pathlib import Path
from typing import Any

import time_machine
from apscheduler.job import Job
from crontask import scheduler
from django.core import mail
from django.core.management import call_command, get_commands
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from interplay.audit.models import AuditEvent
from interplay.audit.services import record
from interplay.courses import services as courses
from interplay.letters.models import Letter
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.referrals.models import Referral
from interplay.schedules import tasks
from interplay.schedules.models import ScheduledRun
from interplay.test import (
    BaseTestCase,
    allocated_to,
    course_for,
    give_hours,
    make_referral,
    make_user,
    qualify,
)
from interplay.triage.tests.test_opt_in import waiting

ROOT = Path(__file__).resolve().parents[3]
LONDON = zoneinfo.ZoneInfo("Europe/London")
WHEN = re.compile(r"every 15 minutes|daily at \d\d:\d\d|weekdays at \d\d:\d\d")


def scheduled() -> list[Job]:
    """The scheduler's jobs that come from interplay/schedules/tasks.py."""
    return [
        job
        for job in scheduler.get_jobs()
        if job.func.__self__.module_path.startswith(tasks.__name__)
    ]


def run_scheduled(name: str) -> Any:
    """What the scheduler does at the job's time: queue its task (run at once in tests)."""
    (job,) = [job for job in scheduled() if job.name == name]
    return job.func().return_value


def readme_says(command: str) -> str:
    """When the README's table of commands says ``command`` runs."""
    rows = [
        line
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith(f"| `manage.py {command}")
    ]
    assert len(rows) == 1, f"README.md has {len(rows)} rows for manage.py {command}"
    found = WHEN.findall(rows[0])
    assert len(found) == 1, f"README.md's row for {command} says when it runs {found}"
    return found[0]


def fire_times(job: Job, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    times, previous = [], None
    now = start
    while (next_time := job.trigger.get_next_fire_time(previous, now)) and next_time < end:
        times.append(next_time.astimezone(LONDON))
        previous, now = next_time, next_time + dt.timedelta(seconds=1)
    return times


def expected_times(when: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every time in [start, end) at which ``when`` (a phrase of the README) falls."""
    times, moment = [], start
    while moment < end:
        hhmm = moment.strftime("%H:%M")
        if (
            (when == "every 15 minutes" and moment.minute % 15 == 0)
            or when == f"daily at {hhmm}"
            or (when == f"weekdays at {hhmm}" and moment.weekday() < 5)
        ):
            times.append(moment)
        moment += dt.timedelta(minutes=1)
    return times


class ScheduleTests(BaseTestCase):
    def test_every_job_is_a_command_scheduled_once(self) -> None:
        names = Counter(job.name for job in scheduled())
        self.assertEqual(
            set(names),
            {
                "send_reminders",
                "escalate_alerts",
                "send_opt_in_letters",
                "apply_retention",
                "audit_anchor",
                "backup",
                "requeue_stalled_jobs",
            },
        )
        self.assertEqual(set(names.values()), {1})
        self.assertLessEqual(set(names), set(get_commands()))

    def test_each_job_runs_when_the_readme_says(self) -> None:
        # A week in winter, Monday 7 to Monday 14 December 2026, in the service's time.
        start = dt.datetime(2026, 12, 7, tzinfo=LONDON)
        end = start + dt.timedelta(days=7)
        for job in scheduled():
            with self.subTest(job.name):
                when = readme_says(job.name)
                self.assertEqual(fire_times(job, start, end), expected_times(when, start, end))


# Monday 7 December 2026 at noon: session 1, Wednesday 9 December at 10:00, is 46 hours away.
MONDAY_NOON = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)


class ScheduledJobTests(BaseTestCase):
    def test_reminders_go_once_whether_scheduled_or_run_by_hand(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (2, "09:00", "17:00"))
        courses.start_course(
            actor=self.therapist,
            referral=allocated_to(self.therapist, "ipt", email="robin@example.org"),
            protocol_code="ipt16",
            weekday=2,
            at=dt.time(10),
            first_date=dt.date(2026, 12, 9),
            history=True,
        )
        mail.outbox = []
        with time_machine.travel(MONDAY_NOON, tick=False):
            self.assertEqual(run_scheduled("send_reminders"), 1)
            call_command("send_reminders", stdout=io.StringIO())
            run_scheduled("send_reminders")
        self.assertEqual([m.to for m in mail.outbox], [["robin@example.org"]])

    def test_an_overdue_alert_escalates_once(self) -> None:
        course = course_for(self.therapist, email="robin@example.org")
        with time_machine.travel("2026-09-04 10:00 +01:00", tick=False):
            monitoring.submit_response(
                actor=self.therapist,
                appointment=course.appointments.get(number=1),
                instrument_code="phq9",
                answers={n: (2 if n == 9 else 1) for n in range(1, 10)},
                source="in_session",
            )
        mail.outbox = []
        with (
            time_machine.travel("2026-09-07 10:00 +01:00", tick=False),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(run_scheduled("escalate_alerts"), 1)
            self.assertEqual(run_scheduled("escalate_alerts"), 0)
        self.assertEqual(RiskAlert.objects.get().escalated_to, self.supervisor)
        self.assertEqual([m.to for m in mail.outbox], [[self.supervisor.email]])

    def test_opt_in_letters_go_once_in_the_named_clinicians_name(self) -> None:
        waiting(self.triage, 70, first_name="Long")
        with self.assertLogs("interplay.schedules.tasks", "WARNING"):
            self.assertEqual(run_scheduled("send_opt_in_letters"), 0)
        self.assertFalse(Letter.objects.filter(kind="opt_in").exists())
        with override_settings(OPT_IN_LETTERS_AS="triage"):
            self.assertEqual(run_scheduled("send_opt_in_letters"), 1)
            self.assertEqual(run_scheduled("send_opt_in_letters"), 0)
        (event,) = AuditEvent.objects.filter(action="triage.opt_in_sent")
        self.assertEqual(event.actor_label, "triage")
        self.assertEqual(Letter.objects.filter(kind="opt_in").count(), 1)

    def test_retention_anonymises_as_the_command_does(self) -> None:
        with time_machine.travel(dt.datetime(2015, 3, 2, 10, tzinfo=dt.UTC), tick=False):
            referral = make_referral(first_name="Olu", last_name="Oldrecord")
        Referral.objects.filter(pk=referral.pk).update(status="closed")
        self.assertEqual(run_scheduled("apply_retention"), 1)
        self.assertEqual(run_scheduled("apply_retention"), 0)
        self.assertFalse(Referral.objects.filter(last_name="Oldrecord").exists())

    def test_the_audit_anchor_is_written_once_a_day(self) -> None:
        record(actor=self.admin, action="test.recorded", obj=self.triage, detail={})
        with tempfile.TemporaryDirectory() as folder:
            anchors = Path(folder) / "anchors.jsonl"
            with override_settings(AUDIT_ANCHOR_FILE=str(anchors)):
                first = run_scheduled("audit_anchor")
                self.assertIsNone(run_scheduled("audit_anchor"))
            self.assertEqual(len(anchors.read_text().splitlines()), 1)
            self.assertIn(f'"sequence":{first}', anchors.read_text())
            call_command("audit_verify", anchors=str(anchors), stdout=io.StringIO())

    def test_no_anchor_is_claimed_while_nowhere_is_set(self) -> None:
        with self.assertLogs("interplay.schedules.tasks", "WARNING"):
            self.assertIsNone(run_scheduled("audit_anchor"))
        self.assertFalse(ScheduledRun.objects.exists())


class ScheduledBackupTests(TransactionTestCase):
    def test_one_backup_a_night_in_the_backup_folder(self) -> None:
        make_user("someone")
        with tempfile.TemporaryDirectory() as folder, override_settings(BACKUP_DIR=folder):
            written = run_scheduled("backup")
            self.assertEqual(run_scheduled("backup"), "")
            files = list(Path(folder).iterdir())
            self.assertEqual([str(f) for f in files], [written])
            self.assertEqual(files[0].name, f"interplay-{timezone.localdate()}.backup")
            self.assertEqual(files[0].stat().st_mode & 0o777, 0o600)
            size = files[0].stat().st_size
        self.assertEqual(AuditEvent.objects.filter(action="backup.started").count(), 1)
        # The administrator's day reads the age of the last backup from this event.
        made = AuditEvent.objects.get(action="backup.made")
        self.assertEqual(made.detail["bytes"], size)

    def test_a_job_left_running_by_a_dead_worker_is_queued_again(self) -> None:
        from django_tasks_db.models import DBTaskResult

        from interplay.clinic.tests.test_requeue_stalled_jobs import job

        stalled = job("RUNNING", started_minutes_ago=120)
        alive = job("RUNNING", started_minutes_ago=1)
        self.assertEqual(run_scheduled("requeue_stalled_jobs"), 1)
        self.assertEqual(list(DBTaskResult.objects.ready()), [stalled])
        alive.refresh_from_db()
        self.assertEqual(alive.status, "RUNNING")

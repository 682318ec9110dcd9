"""Jobs left running by a dead worker go back in the queue after the timeout, and no sooner.

The whole story (a worker killed mid-job, the job run again by another, one email) is in
interplay/tests/test_several_servers.py, on PostgreSQL.
"""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from interplay.audit.models import AuditEvent


def job(status: str, started_minutes_ago: float | None) -> DBTaskResult:
    started = (
        None
        if started_minutes_ago is None
        else timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    )
    return DBTaskResult.objects.create(
        status=status,
        started_at=started,
        args_kwargs={"args": ["4f1c1d3e-0000-4000-8000-000000000001"], "kwargs": {}},
        task_path="interplay.courses.reminders.send_reminder",
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=["worker-that-died"],
    )


def requeue(*args: str) -> str:
    out = StringIO()
    call_command("requeue_stalled_jobs", *args, stdout=out)
    return out.getvalue()


class RequeueStalledJobsTests(TestCase):
    @override_settings(JOB_STALLED_MINUTES=30)
    def test_a_job_running_past_the_timeout_is_queued_again(self) -> None:
        stalled = job("RUNNING", started_minutes_ago=45)
        alive = job("RUNNING", started_minutes_ago=5)
        done = job("SUCCESSFUL", started_minutes_ago=90)

        self.assertEqual(requeue(), "1 job put back in the queue.\n")

        self.assertEqual(list(DBTaskResult.objects.ready()), [stalled])
        stalled.refresh_from_db()
        self.assertEqual(stalled.worker_ids, ["worker-that-died"])  # its history kept
        alive.refresh_from_db()
        done.refresh_from_db()
        self.assertEqual((alive.status, done.status), ("RUNNING", "SUCCESSFUL"))
        event = AuditEvent.objects.get(action="jobs.requeued")
        self.assertEqual(event.actor_label, "system:requeue_stalled_jobs")
        self.assertEqual(event.detail["jobs"], [f"{stalled.task_path} {stalled.id}"])

    def test_the_timeout_can_be_given_and_nothing_stalled_is_said(self) -> None:
        job("RUNNING", started_minutes_ago=5)
        self.assertEqual(requeue(), "0 jobs put back in the queue.\n")
        self.assertFalse(AuditEvent.objects.filter(action="jobs.requeued").exists())
        self.assertEqual(requeue("--minutes", "2"), "1 job put back in the queue.\n")

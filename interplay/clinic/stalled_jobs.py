"""Jobs left running by a worker that died: put back in the queue after a timeout.

django-tasks-db marks a job RUNNING (committed) before running it, and nothing in the
library returns it to the queue if the worker is then killed (power cut, out of memory,
SIGKILL): the job would never run. ``requeue_stalled`` puts every job RUNNING for longer
than ``minutes`` back to READY, so any worker takes it again.

This is safe because every Interplay job is idempotent: each claims its row with a
conditional update inside its own transaction before it sends or changes anything (e.g.
``courses.reminders.send_reminder``), so a job whose worker died mid-way either committed
its effect (the rerun finds it claimed and does nothing) or committed nothing (the rerun
does it). The timeout must be longer than the longest job runs, or a slow job that is still
alive would run twice at once: its claim would still let only one of the two act.
See docs/scaling.md.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from interplay.audit.actors import SystemActor
from interplay.audit.services import record


def requeue_stalled(minutes: float | None = None) -> int:
    """Put jobs RUNNING for more than ``minutes`` (default: the setting) back in the queue;
    how many there were."""
    if minutes is None:
        minutes = settings.JOB_STALLED_MINUTES
    cutoff = timezone.now() - dt.timedelta(minutes=minutes)
    with transaction.atomic():
        stalled = list(
            DBTaskResult.objects.running()
            .filter(started_at__lte=cutoff)
            .select_for_update(skip_locked=True)
            .values_list("id", "task_path")
        )
        if not stalled:
            return 0
        DBTaskResult.objects.filter(id__in=[id_ for id_, _ in stalled]).update(
            status="READY", started_at=None
        )
        record(
            actor=SystemActor("requeue_stalled_jobs"),
            action="jobs.requeued",
            detail={"jobs": [f"{path} {id_}" for id_, path in stalled], "minutes": minutes},
        )
    return len(stalled)

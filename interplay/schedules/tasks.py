"""Every periodic job, and when it runs: the one list of Interplay's schedules.

``manage.py crontask`` (one process for the whole service: deploy/systemd) reads the
``@cron`` lines below and, at each time, queues the job for the ``db_worker``s, which run
it. Times are the service's (TIME_ZONE); crontab fields are minute, hour, day of month,
month, day of week. Each job calls the same function as its management command.

No run's effect is doubled, whichever worker runs it and however often it is queued:
reminders (``reminder_sent_at``), escalations (``escalated_at``), opt-in letters and
retention lock each record and check it again before acting; the audit anchor and the
backup, which would otherwise be written twice, claim their day first (``runs.claimed``).
"""

import logging
from pathlib import Path

from crontask import cron, scheduler
from django.conf import settings
from django.tasks import task

from interplay.accounts.models import User
from interplay.audit.anchors import anchor_head, configured
from interplay.clinic.backups import take_backup
from interplay.clinic.stalled_jobs import requeue_stalled
from interplay.courses import reminders
from interplay.monitoring.services import escalate_overdue
from interplay.patients import services as patients
from interplay.schedules.runs import claimed, today
from interplay.triage.services import OPT_IN_AFTER_DAYS, send_due_opt_in_letters

logger = logging.getLogger(__name__)

# A job whose time comes while the scheduler is busy still runs, up to an hour late
# (APScheduler's own default gives up after one second), and once however late.
scheduler.configure(job_defaults={"misfire_grace_time": 3600, "coalesce": True})


@cron("*/15 * * * *")
@task()
def send_reminders() -> int:
    """Queue the 48-hour appointment reminders (``manage.py send_reminders``)."""
    count = reminders.queue_due()
    logger.info("%d reminders queued.", count)
    return count


@cron("*/15 * * * *")
@task()
def escalate_alerts() -> int:
    """Escalate risk alerts not acknowledged in time (``manage.py escalate_alerts``)."""
    count = escalate_overdue()
    logger.info("%d alert(s) escalated.", count)
    return count


@cron("*/15 * * * *")
@task()
def requeue_stalled_jobs() -> int:
    """Put jobs left running by a worker that died back in the queue
    (``manage.py requeue_stalled_jobs``)."""
    count = requeue_stalled()
    if count:
        logger.warning("%d stalled job(s) put back in the queue.", count)
    return count


@cron("15 0 * * *")
@task()
def audit_anchor() -> int | None:
    """Write the audit chain's head outside the database (``manage.py audit_anchor``)."""
    path, email = configured()
    if not path and not email:
        logger.warning(
            "audit_anchor: set INTERPLAY_AUDIT_ANCHOR_FILE and/or INTERPLAY_AUDIT_ANCHOR_EMAIL."
        )
        return None
    with claimed("audit_anchor", today()) as mine:
        if not mine:
            return None
        return anchor_head(path=path, email=email).head.sequence


@cron("0 2 * * *")
@task()
def backup() -> str:
    """Write tonight's encrypted backup to INTERPLAY_BACKUP_DIR (``manage.py backup``)."""
    if not settings.BACKUP_DIR:
        logger.warning("backup: set INTERPLAY_BACKUP_DIR to have a backup made every night.")
        return ""
    with claimed("backup", today()) as mine:
        if not mine:
            return ""
        output = Path(settings.BACKUP_DIR) / f"interplay-{today()}.backup"
        take_backup(output)
        logger.info("Backed up to %s.", output)
        return str(output)


@cron("0 3 * * *")
@task()
def apply_retention() -> int:
    """Anonymise records past the retention period (``manage.py apply_retention``)."""
    run = patients.apply_retention()
    logger.info("Retention: %d people anonymised.", run.patients)
    return run.patients


@cron("0 8 * * mon-fri")
@task()
def send_opt_in_letters() -> int:
    """Opt-in letters to people waiting longer than 8 weeks (``manage.py
    send_opt_in_letters``), sent in the name of INTERPLAY_OPT_IN_LETTERS_AS."""
    username = settings.OPT_IN_LETTERS_AS
    sender = User.objects.filter(username=username, is_active=True).first() if username else None
    if sender is None:
        logger.warning(
            "send_opt_in_letters: INTERPLAY_OPT_IN_LETTERS_AS names no active user (%r).",
            username,
        )
        return 0
    sent = send_due_opt_in_letters(actor=sender, after_days=OPT_IN_AFTER_DAYS)
    logger.info("%d opt-in letters sent.", sent)
    return sent

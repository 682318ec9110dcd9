"""Background jobs that failed, as an administrator reads them (django-tasks-db's results).

A failed job's row keeps the exception's class path and its whole traceback. The
traceback's last line is the exception's message, which can hold what the job was
handling (an SMTP refusal names the address), so a page shows only the class and the
message with addresses and long numbers masked, never the traceback.
"""

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django_tasks_db.models import DBTaskResult

# The jobs Interplay enqueues, in words an administrator knows them by.
KINDS = {
    "interplay.letters.tasks.email_letter": "Email a letter",
    "interplay.courses.reminders.send_reminder": "Session reminder",
    "interplay.referrals.tasks.send_referral_acknowledgement": "Referral acknowledgement email",
    "interplay.patients.tasks.send_sign_in_link": "Portal sign-in link email",
    "interplay.accounts.tasks.send_password_reset": "Password reset email",
    "interplay.triage.notices.tell_therapist_job": "Allocation email to a therapist",
    "interplay.audit.tasks.alert_refusal_burst": "Refusals alert to administrators",
}
SHOWN = 50
MESSAGE_LENGTH = 200
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
LONG_NUMBER = re.compile(r"\+?\d[\d ()-]{5,}\d")


def failed() -> QuerySet[DBTaskResult]:
    """Failed jobs nobody has retried yet, newest first."""
    return (
        DBTaskResult.objects.failed()
        .filter(retry__isnull=True)
        .order_by("-finished_at", "-enqueued_at")
    )


@dataclass(frozen=True)
class FailedJob:
    id: str
    kind: str
    error_class: str
    message: str
    failed_at: object


def describe(job: DBTaskResult) -> FailedJob:
    return FailedJob(
        id=str(job.id),
        kind=KINDS.get(job.task_path, job.task_path.rsplit(".", 1)[-1]),
        error_class=job.exception_class_path.rsplit(".", 1)[-1] or "Unknown error",
        message=error_message(job.traceback),
        failed_at=job.finished_at or job.enqueued_at,
    )


def error_message(traceback: str) -> str:
    """The exception's message from the last line of a traceback, masked and shortened."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    _, _, message = lines[-1].partition(": ")
    message = LONG_NUMBER.sub("[number]", ADDRESS.sub("[address]", message.strip()))
    if len(message) > MESSAGE_LENGTH:
        message = message[: MESSAGE_LENGTH - 1] + "…"
    return message

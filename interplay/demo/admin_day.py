"""Something for the demo administrator's day: a session reminder whose email failed,
a new colleague who has not yet set up a second factor, and a qualification lapsing soon.
Synthetic people only; run again, it adds nothing twice."""

import datetime as dt

from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from interplay.accounts import services as accounts
from interplay.accounts.models import Qualification, User
from interplay.accounts.roles import Modality, Role
from interplay.courses.models import Appointment, AppointmentStatus

REMINDER_TASK = "interplay.courses.reminders.send_reminder"
# What django-tasks-db keeps when a mail server drops the connection: no address in it.
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "interplay/courses/reminders.py", line 95, in send_reminder\n'
    '  File "smtplib.py", line 405, in getreply\n'
    "smtplib.SMTPServerDisconnected: Connection unexpectedly closed\n"
)
NEWCOMER = ("rowan", "Rowan", "Newcomer")
LAPSING_IN_DAYS = 40


def populate() -> None:
    """Give the administrator's first screen one of each thing it is for."""
    _failed_reminder()
    _newcomer_without_second_factor()
    _lapsing_qualification()


def _failed_reminder() -> None:
    """A reminder for the next booked session that could not be emailed."""
    if DBTaskResult.objects.filter(task_path=REMINDER_TASK).exists():
        return
    appointment = (
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if appointment is None:
        return
    failed_at = timezone.now() - dt.timedelta(hours=3)
    DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED,
        task_path=REMINDER_TASK,
        args_kwargs={"args": [str(appointment.public_id)], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        started_at=failed_at,
        finished_at=failed_at,
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback=TRACEBACK,
    )


def _newcomer_without_second_factor() -> None:
    """A therapist added this week who has not signed in, so has no authenticator app."""
    username, first, last = NEWCOMER
    if User.objects.filter(username=username).exists():
        return
    user = User(
        username=username, first_name=first, last_name=last, email=f"{username}@example.org"
    )
    user.set_unusable_password()
    accounts.save_user(actor=None, user=user, changed=["username", "first_name", "last_name"])
    accounts.grant_role(actor=None, user=user, role=Role.THERAPIST)


def _lapsing_qualification() -> None:
    """The supervisor's DIT accreditation lapses in 40 days unless renewed."""
    qualification = Qualification.objects.filter(
        profile__user__username="supervisor", modality=Modality.DIT
    ).first()
    if qualification is None or qualification.expires_on is not None:
        return
    accounts.set_qualification_expiry(
        actor=None,
        qualification=qualification,
        expires_on=timezone.localdate() + dt.timedelta(days=LAPSING_IN_DAYS),
    )

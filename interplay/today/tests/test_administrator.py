"""The administrator's day: failed jobs, backups and anchors, lockouts, second factors,
qualifications. Each item shows until it is done, then leaves the page."""

import datetime as dt
from typing import Any

import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from interplay.accounts import services as accounts
from interplay.accounts.models import AuthenticatorApp, Qualification, User
from interplay.accounts.roles import Role
from interplay.api.services import make_service_account
from interplay.audit.actors import SystemActor
from interplay.audit.models import AuditEvent
from interplay.audit.services import record
from interplay.clinic import services as clinic
from interplay.clinic.models import JobRetry
from interplay.letters.models import Letter
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase, make_clinician, make_letter, make_user, qualify

DAY = reverse("today:administrator")
LETTER_TASK = "interplay.letters.tasks.email_letter"
REFUSED = (
    "Traceback (most recent call last):\n"
    '  File "smtplib.py", line 887, in sendmail\n'
    "smtplib.SMTPRecipientsRefused: {'jo.bloggs@example.org': (550, b'No such user')}\n"
)


def failed_job(
    task_path: str = LETTER_TASK,
    *args: Any,
    status: str = TaskResultStatus.FAILED,
    traceback: str = REFUSED,
) -> DBTaskResult:
    """A job as django-tasks-db leaves it after its task raised."""
    return DBTaskResult.objects.create(
        status=status,
        task_path=task_path,
        args_kwargs={"args": list(args), "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPRecipientsRefused" if traceback else "",
        traceback=traceback,
    )


def unsent_letter() -> Letter:
    """A letter whose email failed: the send rolled back, so it is still to be emailed."""
    letter = make_letter(recipient_email="jo.bloggs@example.org")
    Letter.objects.filter(pk=letter.pk).update(emailed_at=None)
    mail.outbox = []
    return letter


def lock_out(username: str, *, minutes_ago: int = 1) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=at)
    return attempt


class PermissionTests(BaseTestCase):
    def test_the_permission_ladder(self) -> None:
        self.assertRedirects(self.client.get(DAY), f"{reverse('accounts:login')}?next={DAY}")
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            self.assertEqual(self.client.get(DAY).status_code, 403, user)
        self.sign_in(self.admin)
        self.assertEqual(self.client.get(DAY).status_code, 200)

    def test_only_an_administrator_retries_a_job_or_unlocks_an_account(self) -> None:
        job = failed_job(LETTER_TASK, str(unsent_letter().public_id))
        attempt = lock_out(self.triage.username)
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            retry = self.client.post(reverse("today:retry_job", args=[job.pk]))
            self.assertEqual(retry.status_code, 403)
            unlock = self.client.post(reverse("today:unlock", args=[attempt.pk]))
            self.assertEqual(unlock.status_code, 403)
        self.assertFalse(JobRetry.objects.exists())
        self.assertTrue(AccessAttempt.objects.filter(pk=attempt.pk).exists())
        with self.assertRaises(PermissionDenied):
            clinic.retry_job(actor=self.manager, job_id=str(job.pk))
        with self.assertRaises(PermissionDenied):
            accounts.unlock_account(actor=self.therapist, username=self.triage.username)

    def test_an_unknown_job_is_not_found(self) -> None:
        self.sign_in(self.admin)
        unknown = "00000000-0000-4000-8000-000000000000"
        self.assertEqual(
            self.client.post(reverse("today:retry_job", args=[unknown])).status_code, 404
        )


class FailedJobTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def test_a_failed_job_shows_its_error_without_the_address_it_was_sending_to(self) -> None:
        failed_job(LETTER_TASK, "letter-id")
        page = self.client.get(DAY).content.decode()
        self.assertIn("Email a letter", page)
        self.assertIn("SMTPRecipientsRefused", page)
        self.assertIn("[address]", page)
        self.assertIn("No such user", page)
        self.assertNotIn("jo.bloggs", page)
        self.assertNotIn("smtplib.py", page)  # the traceback stays in the job's row

    def test_retrying_sends_the_same_job_again_and_it_leaves_the_page(self) -> None:
        letter = unsent_letter()
        job = failed_job(LETTER_TASK, str(letter.public_id))
        retry = reverse("today:retry_job", args=[job.pk])
        response = self.client.post(retry, follow=True)
        self.assertContains(response, "Email a letter: sent again.")
        self.assertNotContains(response, "SMTPRecipientsRefused")
        self.assertContains(response, "No background job has failed.")
        self.assertEqual([m.to for m in mail.outbox], [["jo.bloggs@example.org"]])
        event = AuditEvent.objects.get(action="job.retried")
        self.assertEqual(event.actor_label, "admin")
        self.assertEqual(event.detail["job"], str(job.pk))
        self.assertEqual(event.detail["error"], "SMTPRecipientsRefused")
        self.assertNotIn("jo.bloggs", str(event.detail))

    def test_a_retry_sent_twice_enqueues_once(self) -> None:
        job = failed_job(LETTER_TASK, str(unsent_letter().public_id))
        first = clinic.retry_job(actor=self.admin, job_id=str(job.pk))
        second = clinic.retry_job(actor=self.admin, job_id=str(job.pk))
        self.assertEqual(first, second)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(AuditEvent.objects.filter(action="job.retried").count(), 1)

    def test_a_job_that_has_not_failed_is_not_retried(self) -> None:
        for status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY):
            job = failed_job(LETTER_TASK, "letter-id", status=status, traceback="")
            with self.assertRaisesMessage(RuleViolation, "Only a job that failed"):
                clinic.retry_job(actor=self.admin, job_id=str(job.pk))
            response = self.client.post(reverse("today:retry_job", args=[job.pk]), follow=True)
            self.assertContains(response, "Only a job that failed can be retried")
        self.assertFalse(JobRetry.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="job.retried").exists())

    def test_a_job_whose_task_has_gone_is_refused_with_a_reason(self) -> None:
        job = failed_job("interplay.letters.tasks.no_longer_here", "letter-id")
        response = self.client.post(reverse("today:retry_job", args=[job.pk]), follow=True)
        self.assertContains(response, "no longer part of Interplay")
        self.assertContains(response, "no_longer_here")  # still listed, still to deal with

    def test_newest_failure_first(self) -> None:
        old = failed_job("interplay.courses.reminders.send_reminder", "a")
        DBTaskResult.objects.filter(pk=old.pk).update(
            finished_at=timezone.now() - dt.timedelta(days=1)
        )
        failed_job("interplay.referrals.tasks.send_referral_acknowledgement", "b")
        page = self.client.get(DAY).content.decode()
        self.assertLess(
            page.index("Referral acknowledgement email"), page.index("Session reminder")
        )


class LastRunTests(BaseTestCase):
    def runs(self) -> str:
        self.sign_in(self.admin)  # afresh: a day later the idle timeout has signed them out
        response = self.client.get(DAY)
        return response.content.decode().split('data-testid="runs"')[1].split("</ul>")[0]

    def test_never_run_is_overdue(self) -> None:
        runs = self.runs()
        self.assertIn("Last backup: never recorded", runs)
        self.assertIn("Last audit anchor: never recorded", runs)
        self.assertEqual(runs.count("Overdue"), 2)

    def test_a_backup_and_an_anchor_today_are_not_overdue_and_are_after_a_day(self) -> None:
        with time_machine.travel(dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC)):
            record(actor=SystemActor("backup"), action="backup.made", detail={"bytes": 1})
            record(actor=SystemActor("audit_anchor"), action="audit.anchored")
        with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)):
            runs = self.runs()
            self.assertIn("Last backup: 8\xa0hours ago", runs)
            self.assertNotIn("Overdue", runs)
        with time_machine.travel(dt.datetime(2026, 7, 2, 3, tzinfo=dt.UTC)):
            self.assertEqual(self.runs().count("Overdue"), 2)

    def test_a_backup_started_but_never_finished_is_not_a_backup(self) -> None:
        record(actor=SystemActor("backup"), action="backup.started")
        self.assertIn("Last backup: never recorded", self.runs())


class LockoutTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def test_a_locked_out_account_shows_until_unlocked(self) -> None:
        attempt = lock_out(self.triage.username)
        self.assertContains(self.client.get(DAY), "triage: 5 wrong passwords")
        response = self.client.post(reverse("today:unlock", args=[attempt.pk]), follow=True)
        self.assertContains(response, "triage can sign in again.")
        self.assertContains(response, "No account is locked out.")
        event = AuditEvent.objects.get(action="auth.unlocked")
        self.assertEqual(event.object_id, str(self.triage.public_id))
        again = self.client.post(reverse("today:unlock", args=[attempt.pk]), follow=True)
        self.assertContains(again, "no longer locked out")
        self.assertEqual(AuditEvent.objects.filter(action="auth.unlocked").count(), 1)

    def test_guessed_names_and_lapsed_locks_are_not_listed(self) -> None:
        lock_out("no-such-account")
        lock_out(self.therapist.username, minutes_ago=16)
        self.assertContains(self.client.get(DAY), "No account is locked out.")


class SecondFactorTests(BaseTestCase):
    def test_staff_without_an_authenticator_app_show_until_they_set_one_up(self) -> None:
        self.sign_in(self.admin)  # signing in sets the administrator's app up
        listed = self.client.get(DAY).content.decode().split("without-second-factor")[1]
        listed = listed.split("</ul>")[0]
        self.assertIn("Therapist", listed)
        self.assertNotIn("(admin)", listed)
        for user in User.objects.exclude(pk=self.admin.pk):
            AuthenticatorApp.objects.create(user=user, name="Authenticator app")
        self.assertContains(self.client.get(DAY), "Everyone has an authenticator app.")

    def test_an_app_still_being_set_up_is_not_a_second_factor(self) -> None:
        self.sign_in(self.admin)
        AuthenticatorApp.objects.create(user=self.therapist, name="App", confirmed=False)
        self.assertContains(self.client.get(DAY), "(therapist)")


class QualificationTests(BaseTestCase):
    def test_lapsed_and_lapsing_within_60_days_soonest_first(self) -> None:
        lapses_on = {
            "amber": dt.date(2026, 8, 30),  # within 60 days of 1 July
            "blake": dt.date(2026, 6, 1),  # lapsed a month ago
            "casey": dt.date(2026, 9, 1),  # 62 days away: not yet
        }
        for name, day in lapses_on.items():
            qualify(make_clinician(name, Role.THERAPIST), "ipt")
            Qualification.objects.filter(profile__user__username=name).update(expires_on=day)
        qualify(self.therapist, "ipt")  # does not lapse
        self.sign_in(self.admin)
        with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)):
            page = self.client.get(DAY).content.decode()
        listed = page.split('data-testid="qualifications"')[1].split("</ul>")[0]
        self.assertIn(
            'Blake</a>: Interpersonal Psychotherapy (IPT) <strong class="nhsuk-tag nhsuk-tag--red">'
            "Lapsed</strong> on 1 June 2026",
            listed,
        )
        self.assertIn(
            "Amber</a>: Interpersonal Psychotherapy (IPT) lapses on 30 August 2026", listed
        )
        self.assertLess(listed.index("Blake"), listed.index("Amber"))
        self.assertNotIn("Casey", listed)
        self.assertNotIn("Therapist", listed)

    def test_setting_the_date_is_audited_and_a_renewal_clears_the_item(self) -> None:
        qualify(self.therapist, "ipt")
        qualification = Qualification.objects.get(profile__user=self.therapist)
        soon = timezone.localdate() + dt.timedelta(days=10)
        accounts.set_qualification_expiry(
            actor=self.admin, qualification=qualification, expires_on=soon
        )
        self.sign_in(self.admin)
        self.assertContains(
            self.client.get(DAY), "Therapist</a>: Interpersonal Psychotherapy (IPT) lapses on"
        )
        renewed = soon + dt.timedelta(days=365)
        accounts.set_qualification_expiry(
            actor=self.admin, qualification=qualification, expires_on=renewed
        )
        self.assertContains(self.client.get(DAY), "No qualification lapses within 60 days.")
        events = AuditEvent.objects.filter(action="qualification.expiry_set").in_chain_order()
        self.assertEqual(
            [e.detail["after"] for e in events], [soon.isoformat(), renewed.isoformat()]
        )
        with self.assertRaises(PermissionDenied):
            accounts.set_qualification_expiry(
                actor=self.manager, qualification=qualification, expires_on=None
            )


class QueryCountTests(BaseTestCase):
    def fill(self, n: int) -> None:
        for i in range(n):
            failed_job(LETTER_TASK, f"letter-{i}")
            user = make_clinician(f"extra{i}-{User.objects.count()}", Role.THERAPIST)
            qualify(user, "ipt")
            Qualification.objects.filter(profile__user=user).update(expires_on=timezone.localdate())
            lock_out(user.username)
        record(actor=SystemActor("backup"), action="backup.made", detail={"bytes": n})

    def test_the_page_costs_the_same_queries_whatever_it_lists(self) -> None:
        self.sign_in(self.admin)
        self.fill(1)
        self.client.get(DAY)
        with self.assertNumQueries(QUERIES):
            self.client.get(DAY)
        self.fill(4)
        with self.assertNumQueries(QUERIES):
            response = self.client.get(DAY)
        self.assertEqual(response.content.decode().count("Retry<span"), 5)


# Session, user with roles, second factor; one query a panel (jobs, backup, anchor, lockouts,
# second factors, qualifications); the service's name for the title.
QUERIES = 9


class StaffTests(BaseTestCase):
    def test_an_account_without_roles_is_not_staff_to_chase(self) -> None:
        make_user("former")
        self.sign_in(self.admin)
        self.assertNotContains(self.client.get(DAY), "(former)")

    def test_a_systems_account_is_not_asked_for_a_second_factor(self) -> None:
        # A GP system's referral feed: no usable password, only its API token.
        make_service_account(actor=self.admin, username="gp-feed-park-lane")
        self.sign_in(self.admin)
        page = self.client.get(DAY).content.decode()
        listed = page.split("without-second-factor")[1].split("</ul>")[0]
        self.assertNotIn("gp-feed-park-lane", listed)
        self.assertIn("(therapist)", listed)

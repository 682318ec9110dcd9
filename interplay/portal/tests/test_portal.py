"""The patient portal: signing in by emailed link and date of birth, the optional app,
answering before a session, and never reaching anyone else's record."""

import datetime as dt
import re
from typing import Any

import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP

from interplay.audit.models import AuditEvent
from interplay.courses.reminders import send_reminder
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring.models import RiskAlert
from interplay.patients import access
from interplay.patients.models import ConsentKind, PatientAuthenticator, SignInLink
from interplay.patients.services import record_consent
from interplay.test import BaseTestCase, course_for

# Session 1 is Monday 7 September 2026, 10:00 London; questionnaires open 72 hours before.
SATURDAY = "2026-09-05 09:00 +01:00"
ROBIN_BORN = {"date_of_birth_0": "17", "date_of_birth_1": "5", "date_of_birth_2": "1990"}


def link_in(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/portal/sign-in/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


class PortalTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # the per-address link limit counts in the cache, across tests
        self.course = course_for(self.therapist, email="robin@example.org")
        self.patient = self.course.patient
        self.first = self.course.appointments.get(number=1)
        mail.outbox = []

    def ask_for_link(self, email: str = "robin@example.org") -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("portal:request_link"), {"email": email})

    def sign_in_as_patient(self) -> None:
        self.ask_for_link()
        url = link_in(mail.outbox[-1])
        response = self.client.post(url, ROBIN_BORN)
        self.assertRedirects(response, reverse("portal:home"), fetch_redirect_response=False)


class SignInTests(PortalTestCase):
    def test_an_emailed_link_and_the_date_of_birth_sign_in_once(self) -> None:
        page = self.ask_for_link()
        self.assertContains(page, "Check your email")
        message = self.only_email()
        self.assertEqual(message.to, ["robin@example.org"])
        url = link_in(message)
        # Opening the link (as a mail scanner would) uses nothing.
        self.assertContains(self.client.get(url), "Confirm your date of birth")
        self.assertContains(self.client.get(url), "Confirm your date of birth")
        self.client.post(url, ROBIN_BORN)
        self.assertContains(self.client.get(reverse("portal:home")), "Hello Robin")
        self.client.post(reverse("portal:sign_out"))
        self.assertContains(self.client.get(url), "This link no longer works", status_code=410)
        self.assertContains(self.client.get(reverse("portal:home")), "Email me a link")

    def test_an_unknown_address_looks_the_same_and_sends_nothing(self) -> None:
        page = self.ask_for_link("someone@example.org")
        self.assertContains(page, "Check your email")
        self.assertEqual(mail.outbox, [])

    def test_no_link_is_emailed_without_consent_to_email(self) -> None:
        record_consent(
            actor=self.admin, patient=self.patient, kind=ConsentKind.EMAIL_CONTACT, given=False
        )
        self.ask_for_link()
        self.assertEqual(mail.outbox, [])

    def test_links_expire_after_30_minutes(self) -> None:
        with time_machine.travel("2026-09-01 12:00 +01:00", tick=False):
            self.ask_for_link()
        url = link_in(mail.outbox[-1])
        with time_machine.travel("2026-09-01 12:29 +01:00", tick=False):
            self.assertEqual(self.client.get(url).status_code, 200)
        with time_machine.travel("2026-09-01 12:30 +01:00", tick=False):
            self.assertEqual(self.client.get(url).status_code, 410)
            self.assertEqual(self.client.post(url, ROBIN_BORN).status_code, 410)

    def test_a_wrong_date_of_birth_is_said_beside_the_field_and_five_spend_the_link(self) -> None:
        self.ask_for_link()
        url = link_in(mail.outbox[-1])
        wrong = {"date_of_birth_0": "18", "date_of_birth_1": "5", "date_of_birth_2": "1990"}
        page = self.client.post(url, wrong)
        self.assertContains(page, "does not match our records", status_code=400)
        self.assertContains(page, 'value="18"', status_code=400)
        for _ in range(4):
            self.client.post(url, wrong)
        self.assertEqual(self.client.post(url, ROBIN_BORN).status_code, 410)
        self.assertIsNone(self.client.session.get("portal_patient"))

    def test_at_most_three_links_an_hour(self) -> None:
        for _ in range(5):
            self.ask_for_link()
        self.assertEqual(len(mail.outbox), 3)

    def test_one_address_cannot_send_links_to_many_inboxes(self) -> None:
        with self.settings(PORTAL_LINK_RATE_LIMIT="4/h"):
            for n in range(4):
                self.ask_for_link(f"someone{n}@example.org")
            refused = self.ask_for_link()
        self.assertContains(refused, "Too many sign-in links", status_code=429)
        self.assertEqual(mail.outbox, [])

    def test_the_secret_is_never_stored(self) -> None:
        self.ask_for_link()
        token = link_in(mail.outbox[-1]).rstrip("/").rsplit("/", 1)[1]
        stored = SignInLink.objects.get()
        self.assertNotIn(token, stored.token_hash)
        self.assertEqual(len(stored.token_hash), 64)

    def test_signing_in_changes_the_session_key(self) -> None:
        self.client.get(reverse("portal:home"))
        before = self.client.session.session_key
        self.sign_in_as_patient()
        self.assertNotEqual(self.client.session.session_key, before)
        event = AuditEvent.objects.get(action="portal.signed_in")
        self.assertEqual(event.actor_label, f"patient:{self.patient.public_id}")

    def test_a_next_path_can_only_be_inside_the_portal(self) -> None:
        for path in ("https://evil.example/", "//evil.example/portal/", "/admin/"):
            with self.subTest(path=path):
                access.issue_link(self.patient, expires_at=self.first.starts_at, next_path=path)
                self.assertEqual(SignInLink.objects.latest("id").next_path, "")


class AuthenticatorTests(PortalTestCase):
    def test_an_app_once_added_is_asked_for_at_every_sign_in(self) -> None:
        self.sign_in_as_patient()
        page = self.client.get(reverse("portal:authenticator"))
        self.assertContains(page, "<svg")
        device = PatientAuthenticator.objects.get(patient=self.patient)
        self.assertTrue(AuditEvent.objects.filter(action="portal.authenticator_started").exists())
        wrong = self.client.post(reverse("portal:authenticator"), {"code": "000000"})
        self.assertContains(wrong, "That code is not right", status_code=400)
        code = TOTP(bytes.fromhex(device.key)).token()
        self.client.post(reverse("portal:authenticator"), {"code": f"{code:06d}"})
        self.assertTrue(PatientAuthenticator.objects.get().confirmed)
        self.client.post(reverse("portal:sign_out"))

        self.ask_for_link()
        response = self.client.post(link_in(mail.outbox[-1]), ROBIN_BORN)
        self.assertRedirects(response, reverse("portal:code"), fetch_redirect_response=False)
        # Past the date of birth but not the app: nothing of the record is shown yet.
        self.assertRedirects(self.client.get(reverse("portal:home")), reverse("portal:code"))
        # The code just used to confirm the app cannot be used again.
        replay = self.client.post(reverse("portal:code"), {"code": f"{code:06d}"})
        self.assertEqual(replay.status_code, 400)
        with time_machine.travel(dt.timedelta(seconds=31)):
            fresh = TOTP(bytes.fromhex(device.key)).token()
            response = self.client.post(reverse("portal:code"), {"code": f"{fresh:06d}"})
            self.assertRedirects(response, reverse("portal:home"), fetch_redirect_response=False)
            self.assertContains(self.client.get(reverse("portal:home")), "Hello Robin")


@time_machine.travel(SATURDAY, tick=False)
class AnsweringTests(PortalTestCase):
    def test_the_reminder_link_signs_in_until_the_session_starts(self) -> None:
        with time_machine.travel("2026-09-05 10:00 +01:00", tick=False):
            send_reminder.call(str(self.first.public_id))
        url = link_in(self.only_email())
        with time_machine.travel("2026-09-07 09:59 +01:00", tick=False):
            self.assertEqual(self.client.get(url).status_code, 200)
        with time_machine.travel("2026-09-07 10:00 +01:00", tick=False):
            self.assertEqual(self.client.get(url).status_code, 410)

    def test_answering_phq9_with_question_9_above_0_shows_help_at_once(self) -> None:
        self.sign_in_as_patient()
        home = self.client.get(reverse("portal:home"))
        url = reverse("portal:questionnaire", args=[self.first.public_id, "phq9"])
        self.assertContains(home, url)
        answers = {f"phq9-item_{n}": "1" for n in range(1, 10)}
        response = self.client.post(url, answers)
        done = reverse("portal:answered", args=[self.first.public_id])
        self.assertRedirects(response, done, fetch_redirect_response=False)
        page = self.client.get(done)
        self.assertContains(page, "Get help now")
        self.assertContains(page, "Answer the GAD-7")
        self.assertEqual(RiskAlert.objects.get().course, self.course)
        saved = QuestionnaireResponse.objects.get(course=self.course)
        self.assertEqual((saved.total, saved.source), (9, "portal"))
        # Answered: no longer offered, and a second go is refused.
        self.assertNotContains(self.client.get(reverse("portal:home")), url)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_answers_sent_twice_are_saved_once_in_one_commit_and_both_are_thanked(
        self,
    ) -> None:
        self.sign_in_as_patient()
        url = reverse("portal:questionnaire", args=[self.first.public_id, "phq9"])
        done = reverse("portal:answered", args=[self.first.public_id])
        answers = {f"phq9-item_{n}": "2" for n in range(1, 10)}
        commits = []
        with CaptureQueriesContext(connection) as queries:
            first = self.client.post(url, answers)
        commits.append(sum(q["sql"].startswith(("COMMIT", "RELEASE")) for q in queries))
        again = self.client.post(url, answers)
        self.assertRedirects(first, done, fetch_redirect_response=False)
        self.assertRedirects(again, done, fetch_redirect_response=False)
        self.assertEqual(QuestionnaireResponse.objects.filter(course=self.course).count(), 1)
        # Question 9 above 0: its alert, and the answers' audit event, once each.
        self.assertEqual(RiskAlert.objects.filter(course=self.course).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="response.submitted").count(), 1)
        # The answers, their alert and their audit event in one transaction; the session
        # (the idle clock) is not written by the POST but by the page it leads to.
        self.assertEqual(commits, [1])
        self.assertFalse(
            [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        )
        with CaptureQueriesContext(connection) as queries:
            self.client.get(done)
        self.assertTrue(
            [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        )
        # Different answers once answered: closed, and the first answers stay.
        other = {f"phq9-item_{n}": "0" for n in range(1, 10)}
        self.assertEqual(self.client.post(url, other).status_code, 404)
        self.assertEqual(QuestionnaireResponse.objects.get(course=self.course).total, 18)

    def test_no_help_box_without_a_risk_answer(self) -> None:
        self.sign_in_as_patient()
        url = reverse("portal:questionnaire", args=[self.first.public_id, "gad7"])
        self.client.post(url, {f"gad7-item_{n}": "2" for n in range(1, 8)})
        page = self.client.get(reverse("portal:answered", args=[self.first.public_id]))
        self.assertNotContains(page, "Get help now</span>")
        self.assertContains(page, "Thank you")

    def test_a_question_left_out_is_asked_for_and_nothing_is_lost(self) -> None:
        self.sign_in_as_patient()
        url = reverse("portal:questionnaire", args=[self.first.public_id, "gad7"])
        answers = {f"gad7-item_{n}": "2" for n in range(1, 7)}
        page = self.client.post(url, answers)
        self.assertContains(page, "Select an answer to question 7", status_code=400)
        self.assertEqual(page.text.count("checked"), 6)
        self.assertFalse(QuestionnaireResponse.objects.filter(course=self.course).exists())


@time_machine.travel(SATURDAY, tick=False)
class IsolationTests(PortalTestCase):
    """Signed in as Robin, nothing of Sam's can be reached, by any URL."""

    def setUp(self) -> None:
        super().setUp()
        self.other = course_for(
            self.outsider,
            first_name="Sam",
            last_name="Other",
            email="sam@example.org",
            nhs_number="",
        )
        self.sams_session = self.other.appointments.get(number=1)

    def test_anothers_session_answers_404(self) -> None:
        self.sign_in_as_patient()
        urls = [
            reverse("portal:questionnaire", args=[self.sams_session.public_id, "phq9"]),
            reverse("portal:answered", args=[self.sams_session.public_id]),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        answers = {f"phq9-item_{n}": "0" for n in range(1, 10)}
        self.assertEqual(self.client.post(urls[0], answers).status_code, 404)
        self.assertFalse(QuestionnaireResponse.objects.filter(course=self.other).exists())
        home = self.client.get(reverse("portal:home"))
        self.assertNotContains(home, "Sam")
        self.assertNotContains(home, str(self.sams_session.public_id))

    def test_a_staff_sign_in_is_not_a_patient_sign_in(self) -> None:
        self.sign_in(self.therapist)
        url = reverse("portal:questionnaire", args=[self.first.public_id, "phq9"])
        self.assertRedirects(self.client.get(url), reverse("portal:home"))

"""Asking for a portal link tells no one whether the address is a patient's: the same
page, in the same time, with the lookup and the email done in the background."""

import datetime as dt

from django.core import mail
from django.core.cache import cache
from django.http import HttpResponseBase
from django.tasks import default_task_backend
from django.test import override_settings
from django.urls import reverse

from interplay.patients.models import Patient, SignInLink
from interplay.patients.tasks import send_sign_in_link
from interplay.test import QUEUE_ONLY, BaseTestCase, course_for, interleaved_medians

ROUNDS = 25


class LinkTimingTests(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.patient = course_for(self.therapist, email="robin@example.org").patient
        mail.outbox = []

    def patients(self, count: int) -> list[str]:
        """``count`` more patients who may be emailed; their addresses."""
        emails = [f"person{n}@example.org" for n in range(count)]
        for n, email in enumerate(emails):
            Patient.objects.create(
                first_name="Person",
                last_name=f"Number{n}",
                date_of_birth=dt.date(1990, 1, 1),
                address_line_1="1 Test Street",
                town="Testtown",
                postcode="TE1 1ST",
                phone="01234 567890",
                email=email,
                gp_practice="Test Surgery",
            )
        return emails

    def ask(self, email: str) -> HttpResponseBase:
        return self.client.post(reverse("portal:request_link"), {"email": email})

    @override_settings(TASKS=QUEUE_ONLY, PORTAL_LINK_RATE_LIMIT="1000/h")
    def test_a_known_and_an_unknown_address_answer_in_the_same_time(self) -> None:
        # A patient each, so no per-patient limit spares the known address its work.
        known = iter(self.patients(ROUNDS + 1))
        medians = interleaved_medians(
            lambda: self.ask(next(known)), lambda: self.ask("nobody@example.org"), ROUNDS
        )
        self.assert_same_time(medians)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(SignInLink.objects.exists())

    @override_settings(TASKS=QUEUE_ONLY)
    def test_the_queued_job_sends_the_link_and_holds_no_readable_address(self) -> None:
        page = self.ask("robin@example.org")
        self.assertContains(page, "Check your email")
        (queued,) = default_task_backend.results  # type: ignore[attr-defined]
        self.assertNotIn("robin", str(queued.args))
        with self.captureOnCommitCallbacks(execute=True):
            self.assertTrue(send_sign_in_link.call(*queued.args))
        self.assertEqual(self.only_email().to, ["robin@example.org"])

    @override_settings(TASKS=QUEUE_ONLY)
    def test_the_job_for_an_unknown_address_sends_nothing(self) -> None:
        self.ask("nobody@example.org")
        (queued,) = default_task_backend.results  # type: ignore[attr-defined]
        self.assertFalse(send_sign_in_link.call(*queued.args))
        self.assertEqual(mail.outbox, [])

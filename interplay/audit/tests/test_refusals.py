"""Refusals are audited: who asked for what, so probing shows; a burst alerts the
administrators, once per window."""

import datetime as dt
import uuid

import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.portal import session as portal_session
from interplay.test import BaseTestCase, course_for

NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="access.refused").order_by("sequence"))


class RefusalTests(BaseTestCase):
    def test_a_role_refusal_names_who_asked_for_which_page(self) -> None:
        self.sign_in(self.therapist)
        self.assertEqual(self.client.get(reverse("audit:events") + "?actor=x").status_code, 403)
        (event,) = refusals()
        self.assertEqual(event.actor, self.therapist)
        self.assertEqual(
            event.detail,
            {"status": 403, "method": "GET", "path": "/audit/", "page": "audit:events"},
        )

    def test_a_record_outside_the_caseload_is_a_refusal_too(self) -> None:
        course = course_for(self.therapist)
        self.sign_in(self.outsider)
        url = reverse("courses:detail", args=[course.public_id])
        self.assertEqual(self.client.get(url).status_code, 404)
        (event,) = refusals()
        self.assertEqual((event.actor_label, event.detail["path"]), ("outsider", url))
        self.assertEqual(event.detail["status"], 404)

    def test_a_patient_reaching_for_another_session_is_named(self) -> None:
        patient = course_for(self.therapist, email="robin@example.org").patient
        session = self.client.session
        session[portal_session.PATIENT] = str(patient.public_id)
        session[portal_session.STAGE] = portal_session.VERIFIED
        session.save()
        url = reverse("portal:answered", args=[uuid.uuid4()])
        self.assertEqual(self.client.get(url).status_code, 404)
        (event,) = refusals()
        self.assertEqual(event.actor_label, f"patient:{patient.public_id}")
        self.assertEqual(event.detail["path"], url)

    def test_the_public_and_pages_that_do_not_exist_are_not_refusals(self) -> None:
        self.client.get(reverse("audit:events"))  # anonymous: asked to sign in
        self.client.get(reverse("calendar_feed", args=["not-a-real-token"]))
        self.sign_in(self.therapist)
        self.assertEqual(self.client.get("/no-such-page/").status_code, 404)
        self.assertEqual(refusals(), [])

    def test_a_secret_in_the_path_is_not_recorded(self) -> None:
        self.sign_in(self.therapist)
        self.client.get(reverse("calendar_feed", args=["guessed-token-123"]))
        (event,) = refusals()
        self.assertNotIn("guessed-token-123", str(event.detail))
        self.assertEqual(event.detail["page"], "calendar_feed")

    def test_administrators_find_the_refusals_in_the_audit_viewer(self) -> None:
        self.sign_in(self.outsider)
        self.client.get(reverse("triage:queue"))
        self.sign_in(self.admin)
        filters = {"actor": "outsider", "action": "access"}
        page = self.client.get(self.client.post(reverse("audit:events"), filters)["Location"])
        self.assertContains(page, "access.refused")
        self.assertContains(page, "/triage/")


@override_settings(REFUSAL_BURST_LIMIT=3, REFUSAL_BURST_MINUTES=10)
class BurstTests(BaseTestCase):
    def probe(self, times: int) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            for _ in range(times):
                self.client.get(reverse("audit:events"))

    def test_a_burst_from_one_account_emails_the_administrators_once(self) -> None:
        self.sign_in(self.therapist)
        with time_machine.travel(NOW, tick=False):
            self.probe(3)
            self.assertEqual(mail.outbox, [])
            self.probe(1)
            message = self.only_email()
            self.probe(5)  # the same burst: no second email
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(message.to, [self.admin.email])
        self.assertIn("therapist was refused 4 times in 10 minutes", message.body)
        self.assertIn("therapist", self.html_of(message))
        self.assertNotIn("/audit/?", message.body)
        (burst,) = AuditEvent.objects.filter(action="access.refusal_burst")
        self.assertEqual(burst.actor, self.therapist)
        self.assertEqual(burst.detail, {"refusals": 4, "minutes": 10})

    def test_the_next_window_alerts_again_and_accounts_are_counted_apart(self) -> None:
        self.sign_in(self.therapist)
        with time_machine.travel(NOW, tick=False):
            self.probe(4)
        self.sign_in(self.triage)
        with time_machine.travel(NOW, tick=False):
            self.probe(3)
        self.assertEqual(len(mail.outbox), 1)
        self.sign_in(self.therapist)
        with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
            self.probe(3)
            self.assertEqual(len(mail.outbox), 1)
            self.probe(1)
        self.assertEqual(len(mail.outbox), 2)

    def test_switched_off_administrators_are_not_emailed(self) -> None:
        self.admin.is_active = False
        self.admin.save()
        self.sign_in(self.therapist)
        with time_machine.travel(NOW, tick=False):
            self.probe(4)
        self.assertEqual(mail.outbox, [])
        self.assertTrue(AuditEvent.objects.filter(action="access.refusal_burst").exists())

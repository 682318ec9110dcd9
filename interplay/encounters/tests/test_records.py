"""Session records: drafts, signing, addenda that keep the signed original."""

import datetime as dt
from typing import Any

from django.db import connection
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.encounters import services
from interplay.encounters.models import SessionRecord
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.progress import services as progress
from interplay.test import BaseTestCase, allocated_to, give_hours, qualify


class RecordTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        referral = allocated_to(self.therapist, "ipt")
        course = courses.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 9, 7),
            history=True,
        )
        self.first = course.appointments.get(number=1)
        self.second = course.appointments.get(number=2)

    def write(self, **fields: Any) -> SessionRecord:
        values: dict[str, Any] = {
            "notes": "Talked about the loss of her father.",
            "risk_checked": True,
        }
        values.update(fields)
        return services.save_record(actor=self.therapist, appointment=self.first, **values)

    def test_a_signed_record_changes_only_by_addenda(self) -> None:
        self.write(tasks_done=["inventory"], between_session_task="Note three people you miss.")
        attendance.record_attendance(
            actor=self.therapist, appointment=self.first, status="attended"
        )
        services.sign_record(actor=self.therapist, appointment=self.first)
        with self.assertRaisesMessage(RuleViolation, "signed"):
            self.write(notes="Rewritten later.")
        services.add_addendum(actor=self.therapist, appointment=self.first, text="Her GP phoned.")
        record = SessionRecord.objects.get()
        self.assertEqual(record.notes, "Talked about the loss of her father.")
        self.assertEqual([a.text for a in record.addenda.all()], ["Her GP phoned."])
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertTrue(
            {"session_record.saved", "session_record.signed", "session_record.addendum"} <= actions
        )

    def test_signing_needs_attendance_and_the_risk_check(self) -> None:
        self.write(risk_checked=False)
        with self.assertRaisesMessage(RuleViolation, "attended"):
            services.sign_record(actor=self.therapist, appointment=self.first)
        attendance.record_attendance(
            actor=self.therapist, appointment=self.first, status="attended"
        )
        with self.assertRaisesMessage(RuleViolation, "checked risk"):
            services.sign_record(actor=self.therapist, appointment=self.first)

    def test_only_the_phases_tasks_can_be_ticked(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "this session's phase"):
            self.write(tasks_done=["goodbye_letter"])

    def test_the_work_set_last_time_is_shown_for_review(self) -> None:
        self.write(between_session_task="Call your sister once this week.")
        earlier = progress.previous_task(self.second)
        assert earlier is not None
        self.assertEqual(earlier.text, "Call your sister once this week.")

    def test_notes_are_encrypted_at_rest(self) -> None:
        self.write()
        with connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM encounters_sessionrecord")
            (raw,) = cursor.fetchone()
        self.assertNotIn("father", raw)

    def test_only_the_therapist_writes(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.save_record(actor=self.supervisor, appointment=self.first, notes="x")

    def test_the_record_page_ladder_and_journey(self) -> None:
        url = reverse("encounters:record", args=[self.first.public_id])
        for user, status in [
            (self.therapist, 200),
            (self.supervisor, 200),
            (self.outsider, 404),
            (self.triage, 403),
        ]:
            self.sign_in(user)
            self.assertEqual(self.client.get(url).status_code, status, user)
        self.sign_in(self.therapist)
        save = reverse("encounters:save", args=[self.first.public_id])
        response = self.client.post(
            save,
            {
                "record-tasks_done": ["inventory"],
                "record-notes": "First session.",
                "record-risk_checked": "on",
            },
            follow=True,
        )
        self.assertContains(response, "Record saved as a draft")
        self.assertContains(response, "First session.")
        sign = reverse("encounters:sign", args=[self.first.public_id])
        refused = self.client.post(sign)
        self.assertContains(refused, "Record that the person attended", status_code=409)

    def test_the_form_says_whether_the_task_will_be_shared_and_the_box_changes_it(
        self,
    ) -> None:
        from interplay.progress.models import BetweenSessionTask

        self.sign_in(self.therapist)
        page = reverse("encounters:record", args=[self.first.public_id])
        first = self.client.get(page)
        self.assertContains(first, "This task will not be shared with Robin.")
        self.assertContains(first, "Share this task with Robin in their portal")
        self.assertNotContains(first, 'name="record-share_task" type="checkbox" value="on" checked')
        self.client.post(
            reverse("encounters:save", args=[self.first.public_id]),
            {
                "record-between_session_task": "Note three people you miss.",
                "record-share_task": "on",
            },
        )
        self.assertTrue(BetweenSessionTask.objects.get(set_at=self.first).shared)
        # Shared once: the next session's task will be shared too, and the form says so.
        second = self.client.get(reverse("encounters:record", args=[self.second.public_id]))
        self.assertContains(second, "This task will be shared with Robin in their portal.")
        self.assertContains(second, 'name="record-share_task" type="checkbox" value="on" checked')
        self.client.post(
            reverse("encounters:save", args=[self.second.public_id]),
            {"record-between_session_task": "Keep a diary of arguments."},  # box unticked
        )
        self.assertFalse(BetweenSessionTask.objects.get(set_at=self.second).shared)
        # Signed, the record still says where the task went.
        self.write(between_session_task="Note three people you miss.", share_task=True)
        attendance.record_attendance(
            actor=self.therapist, appointment=self.first, status="attended"
        )
        services.sign_record(actor=self.therapist, appointment=self.first)
        self.assertContains(self.client.get(page), "Shared with Robin in their portal.")

    def test_a_half_written_session_note_survives_the_idle_timeout(self) -> None:
        import time

        from interplay.accounts.middleware import LAST_SEEN

        page = reverse("encounters:record", args=[self.first.public_id])
        self.sign_in(self.therapist)
        self.client.get(page)
        session = self.client.session
        session[LAST_SEEN] = time.time() - 31 * 60
        session.save()
        note = "She spoke for the first time about the argument with her brother."
        self.client.post(
            reverse("encounters:save", args=[self.first.public_id]),
            {"record-notes": note, "record-tasks_done": ["inventory"]},
            headers={"referer": f"http://testserver{page}"},
        )
        self.assertFalse(SessionRecord.objects.exists())  # not saved behind their back
        self.sign_in(self.therapist)
        back = self.client.get(page)
        self.assertContains(back, "Here is what you were writing")
        self.assertContains(back, note)
        self.assertContains(back, 'value="inventory" checked')

"""Session records through the API: the tasks covered and whether it is signed for any
reader of the course; what was written only with a token that carries notes, and never
for a service manager; saved and signed through the record page's services."""

import datetime as dt
from typing import ClassVar

from django.utils import timezone

from interplay.accounts import services as accounts
from interplay.accounts.roles import Role
from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses import attendance
from interplay.courses.models import Appointment, Course
from interplay.encounters import services as encounters
from interplay.encounters.models import SessionRecord
from interplay.test import course_for


class RecordApiTests(ApiCase):
    course: ClassVar[Course]
    second: ClassVar[Appointment]
    third: ClassVar[Appointment]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.localdate() - dt.timedelta(weeks=10)
        cls.course = course_for(cls.therapist, first_date=start)
        cls.second = cls.course.appointments.get(number=2)
        attendance.record_attendance(actor=cls.therapist, appointment=cls.second, status="attended")
        encounters.save_record(
            actor=cls.therapist,
            appointment=cls.second,
            tasks_done=["review_symptoms", "sick_role"],
            notes="Talked about the funeral and her sister.",
            risk_checked=True,
            risk_notes="No thoughts of harm.",
        )
        cls.third = cls.course.appointments.get(number=3)

    def path(self, appointment: object, tail: str = "/record") -> str:
        return f"/api/v1/appointments/{appointment.public_id}{tail}"  # type: ignore[attr-defined]

    def test_the_permission_ladder(self) -> None:
        path = self.path(self.second)
        self.assert_problem(self.get(path, None), 401)
        self.assert_problem(self.get(path, self.key(self.manager)), 403)
        self.assert_problem(self.get(path, self.key(self.admin)), 403)
        self.assert_problem(self.get(path, self.key(self.outsider)), 404)
        for allowed in (self.therapist, self.supervisor):
            self.assertEqual(self.get(path, self.key(allowed)).status_code, 200)

    def test_the_record_shows_the_phase_s_tasks_and_no_notes(self) -> None:
        response = self.get(self.path(self.second), self.key(self.supervisor))
        body = response.json()
        self.assertEqual(body["label"], "Session 2 of 16, initial phase")
        done = [t["key"] for t in body["tasks"] if t["done"]]
        self.assertEqual(done, ["review_symptoms", "sick_role"])
        self.assertEqual((body["saved"], body["signed"], body["risk_checked"]), (True, False, True))
        self.assertNotIn("funeral", response.content.decode())
        self.assertNotIn("notes", body)
        event = AuditEvent.objects.filter(action="session_record.viewed").latest("sequence")
        self.assertEqual(event.detail, {"via": "api", "session": 2})

    def test_notes_need_a_token_made_to_carry_them(self) -> None:
        path = self.path(self.second, "/record/notes")
        refused = self.assert_problem(self.get(path, self.key(self.therapist)), 403)
        self.assertIn("notes", refused["detail"])
        body = self.get(path, self.key(self.therapist, notes=True)).json()
        self.assertEqual(body["notes"], "Talked about the funeral and her sister.")
        self.assertEqual(body["risk_notes"], "No thoughts of harm.")
        event = AuditEvent.objects.filter(action="session_record.viewed").latest("sequence")
        self.assertEqual(event.detail, {"via": "api", "session": 2, "notes": True})
        self.assert_problem(self.get(path, self.key(self.outsider, notes=True)), 404)

    def test_a_service_manager_never_reads_notes_even_as_a_supervisor(self) -> None:
        path = self.path(self.second, "/record/notes")
        self.assert_problem(self.get(path, self.key(self.manager, notes=True)), 403)
        accounts.grant_role(actor=None, user=self.supervisor, role=Role.SERVICE_MANAGER)
        key = self.key(self.supervisor, notes=True)
        self.assertEqual(self.get(self.path(self.second), key).status_code, 200)
        refused = self.assert_problem(self.get(path, key), 403)
        self.assertIn("never", refused["detail"])

    def test_the_therapist_saves_a_draft_through_the_page_s_service(self) -> None:
        key = self.key(self.therapist, write=True, notes=True)
        tag = self.get(self.path(self.third), key)["ETag"]
        body = {"tasks_done": ["inventory"], "notes": "Began the inventory.", "risk_checked": True}
        response = self.call("PATCH", self.path(self.third), key, body, If_Match=tag)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["saved"], True)
        saved = SessionRecord.objects.get(appointment=self.third)
        self.assertEqual((saved.tasks_done, saved.notes), (["inventory"], "Began the inventory."))
        event = AuditEvent.objects.filter(action="session_record.saved").latest("sequence")
        self.assertEqual(event.detail, {"session": 3, "tasks_done": ["inventory"]})
        self.assertEqual(event.actor, self.therapist)

    def test_writing_notes_needs_a_notes_token_and_ticks_only_this_phase(self) -> None:
        key = self.key(self.therapist, write=True)
        tag = self.get(self.path(self.third), key)["ETag"]
        path = self.path(self.third)
        self.assert_problem(self.call("PATCH", path, key, {"notes": "x"}, If_Match=tag), 403)
        read_only = self.call("PATCH", path, self.key(self.therapist), {}, If_Match=tag)
        self.assertIn("read-only", self.assert_problem(read_only, 403)["detail"])
        supervisor = self.key(self.supervisor, write=True)
        self.assert_problem(self.call("PATCH", path, supervisor, {}, If_Match=tag), 403)
        self.assert_problem(self.call("PATCH", path, self.key(self.outsider, write=True), {}), 404)
        wrong = self.call("PATCH", path, key, {"tasks_done": ["relapse_plan"]}, If_Match=tag)
        self.assertIn("this session's phase", self.assert_problem(wrong, 409)["detail"])
        self.assertFalse(SessionRecord.objects.filter(appointment=self.third).exists())

    def test_two_writers_cannot_overwrite_each_other(self) -> None:
        key = self.key(self.therapist, write=True)
        path = self.path(self.second)
        self.assert_problem(self.call("PATCH", path, key, {"risk_checked": True}), 428)
        stale = self.get(path, key)["ETag"]
        first = self.call("PATCH", path, key, {"tasks_done": ["sick_role"]}, If_Match=stale)
        self.assertEqual(first.status_code, 200)
        second = self.call("PATCH", path, key, {"tasks_done": []}, If_Match=stale)
        self.assert_problem(second, 412)
        self.assertEqual(
            SessionRecord.objects.get(appointment=self.second).tasks_done, ["sick_role"]
        )

    def test_signing_follows_the_page_s_rules_and_closes_the_record(self) -> None:
        key = self.key(self.therapist, write=True)
        tag = self.get(self.path(self.second), key)["ETag"]
        self.assert_problem(self.call("POST", self.path(self.second, "/record/sign"), None), 401)
        signed = self.call("POST", self.path(self.second, "/record/sign"), key, If_Match=tag)
        self.assertEqual(signed.status_code, 200, signed.content)
        self.assertEqual((signed.json()["signed"], signed.json()["signed_by"]), (True, "therapist"))
        self.assertTrue(AuditEvent.objects.filter(action="session_record.signed").exists())
        again = self.call(
            "PATCH", self.path(self.second), key, {"risk_checked": True}, If_Match=signed["ETag"]
        )
        self.assertIn("signed", self.assert_problem(again, 409)["detail"])
        unsaved = self.get(self.path(self.third), key)["ETag"]
        refused = self.call("POST", self.path(self.third, "/record/sign"), key, If_Match=unsaved)
        self.assertIn("Save the record", self.assert_problem(refused, 409)["detail"])

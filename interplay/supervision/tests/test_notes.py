"""Supervision notes: who may write them, what is kept and audited, and who sees them."""

import uuid

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.patients import subject_access
from interplay.portal.tests.test_shared_work import portal_sign_in
from interplay.supervision import services
from interplay.supervision.models import SupervisionNote
from interplay.supervision.tests.stories import NOW, start
from interplay.test import BaseTestCase, make_clinician

WORDS = "Agreed to revisit the role dispute; consider a risk review."


@time_machine.travel(NOW, tick=False)
class NoteServiceTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = start(self.therapist, "Noted")

    def record(
        self, actor: object = None, text: str = WORDS, token: uuid.UUID | None = None
    ) -> tuple[SupervisionNote, bool]:
        return services.record_note(
            actor=actor or self.supervisor,
            course=self.course,
            text=text,
            submission_token=token or uuid.uuid4(),
        )

    def test_the_supervisor_records_a_note_kept_encrypted(self) -> None:
        note, created = self.record()
        self.assertTrue(created)
        self.assertEqual((note.author, note.written_at, note.text), (self.supervisor, NOW, WORDS))
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM supervision_supervisionnote WHERE id = %s", [note.pk])
            stored = cursor.fetchone()[0]
        self.assertNotIn("role dispute", stored)

    def test_it_is_audited_without_its_words(self) -> None:
        note, _ = self.record()
        event = AuditEvent.objects.by_action("supervision_note.recorded").get()
        self.assertEqual(event.actor, self.supervisor)
        self.assertEqual(event.object_id, str(self.course.public_id))
        self.assertEqual(event.detail, {"note": str(note.public_id)})
        self.assertNotIn("dispute", str(event.detail))

    def test_the_same_form_sent_twice_is_one_note(self) -> None:
        token = uuid.uuid4()
        first, created = self.record(token=token)
        again, created_again = self.record(token=token)
        self.assertEqual((first, created, created_again), (again, True, False))
        self.assertEqual(SupervisionNote.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.by_action("supervision_note.recorded").count(), 1)

    def test_only_the_supervisor_of_the_therapist_may_write(self) -> None:
        other = make_clinician("other-supervisor", Role.SUPERVISOR, Role.THERAPIST)
        for user in (self.therapist, self.outsider, self.manager, self.admin, other):
            with self.assertRaises(PermissionDenied, msg=user):
                self.record(actor=user)
        self.assertFalse(SupervisionNote.objects.exists())

    def test_an_empty_note_is_refused(self) -> None:
        with self.assertRaises(RuleViolation) as refused:
            self.record(text="   \n ")
        self.assertEqual(refused.exception.field, "text")


@time_machine.travel(NOW, tick=False)
class NotePageTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = start(self.therapist, "Noted")
        self.url = reverse("supervision:note", args=[self.course.public_id])
        self.course_url = reverse("courses:detail", args=[self.course.public_id])

    def test_the_permission_ladder(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        for user in (self.therapist, self.triage, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.url).status_code, 403, user)
            self.assertEqual(self.client.post(self.url, {"text": WORDS}).status_code, 403, user)
        other = make_clinician("other-supervisor", Role.SUPERVISOR, Role.THERAPIST)
        self.sign_in(other)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, {"text": WORDS}).status_code, 404)
        self.sign_in(self.supervisor)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertFalse(SupervisionNote.objects.exists())

    def test_the_supervisors_own_course_is_not_theirs_to_supervise(self) -> None:
        own = start(self.supervisor, "Ownload", hour=11)
        self.sign_in(self.supervisor)
        url = reverse("supervision:note", args=[own.public_id])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_note_is_recorded_and_shown_on_the_course_page(self) -> None:
        self.sign_in(self.supervisor)
        form = self.client.get(self.url)
        token = form.context["form"]["submission_token"].value()
        response = self.client.post(self.url, {"text": WORDS, "submission_token": token})
        self.assertRedirects(response, f"{self.course_url}#supervision-notes")
        again = self.client.post(self.url, {"text": WORDS, "submission_token": token})
        self.assertEqual(again.status_code, 302)
        self.assertEqual(SupervisionNote.objects.count(), 1)
        page = self.client.get(self.course_url)
        self.assertContains(page, "Supervision note recorded.")
        self.assertContains(page, WORDS)
        self.assertContains(page, "Record a supervision note")

    def test_an_empty_note_is_explained_beside_the_field(self) -> None:
        self.sign_in(self.supervisor)
        response = self.client.post(self.url, {"text": " ", "submission_token": str(uuid.uuid4())})
        self.assertContains(response, "Write the supervision note", status_code=400, count=2)
        self.assertContains(response, "<title>Error: ", status_code=400)

    def test_what_was_typed_stays_when_the_note_is_refused(self) -> None:
        self.sign_in(self.supervisor)
        long = "Discussed the funeral. " + "x" * 20000
        response = self.client.post(self.url, {"text": long})
        self.assertContains(response, "Keep the note under 20,000 characters", status_code=400)
        self.assertContains(response, "Discussed the funeral. xxxx", status_code=400)
        self.assertFalse(SupervisionNote.objects.exists())


@time_machine.travel(NOW, tick=False)
class NoteVisibilityTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = start(self.therapist, "Noted")
        services.record_note(
            actor=self.supervisor, course=self.course, text=WORDS, submission_token=uuid.uuid4()
        )
        self.course_url = reverse("courses:detail", args=[self.course.public_id])

    def test_the_therapist_sees_it_and_may_not_add_one(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(self.course_url)
        self.assertContains(page, WORDS)
        self.assertContains(page, "Staff only: not shown in the patient portal or in letters.")
        self.assertNotContains(page, "Record a supervision note")

    def test_the_supervisor_goes_back_to_the_supervision_page(self) -> None:
        self.sign_in(self.supervisor)
        page = self.client.get(self.course_url)
        self.assertContains(page, "Back to supervision")
        self.assertContains(page, "Record a supervision note")

    def test_markup_in_a_note_is_shown_as_text(self) -> None:
        services.record_note(
            actor=self.supervisor,
            course=self.course,
            text="<script>alert(1)</script>",
            submission_token=uuid.uuid4(),
        )
        self.sign_in(self.therapist)
        page = self.client.get(self.course_url)
        self.assertNotContains(page, "<script>alert(1)</script>")
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_no_other_therapist_or_supervisor_sees_it(self) -> None:
        other = make_clinician("other-supervisor", Role.SUPERVISOR, Role.THERAPIST)
        for user in (self.outsider, other):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.course_url).status_code, 404, user)

    def test_the_patient_never_sees_it_in_the_portal(self) -> None:
        portal_sign_in(self.client, self.course.patient)
        home = self.client.get(reverse("portal:home"))
        self.assertEqual(home.status_code, 200)
        self.assertNotContains(home, "role dispute")
        self.assertNotContains(home, "upervision")

    def test_it_is_in_the_subject_access_export_as_a_staff_supervision_note(self) -> None:
        doc = subject_access.document(self.course.patient)
        (note,) = doc["courses"][0]["supervision_notes"]
        self.assertEqual((note["text"], note["author"]), (WORDS, "Supervisor"))
        self.assertEqual(note["written_at"], NOW)

    def test_the_course_page_costs_the_same_with_more_notes(self) -> None:
        self.sign_in(self.therapist)
        self.client.get(self.course_url)
        with CaptureQueriesContext(connection) as one:
            self.client.get(self.course_url)
        for _ in range(3):
            services.record_note(
                actor=self.supervisor, course=self.course, text=WORDS, submission_token=uuid.uuid4()
            )
        with self.assertNumQueries(len(one.captured_queries)):
            page = self.client.get(self.course_url)
        self.assertContains(page, WORDS, count=4)

"""What the therapist shares reaches the patient's page, and only that: the focus, the
problems to rate, the tasks to note and the letters to read."""

from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse

from interplay.audit.actors import PatientActor
from interplay.audit.models import AuditEvent
from interplay.encounters import services as encounters
from interplay.formulation import services as formulation
from interplay.patients import access
from interplay.progress import services as progress
from interplay.progress.models import BetweenSessionTask, ProblemRating
from interplay.progress.tests.factories import AFTER_THE_END, make_course
from interplay.test import BaseTestCase


def portal_sign_in(client: Client, patient: Any) -> None:
    """Sign ``patient`` in to the portal the way they would: link, then date of birth."""
    token = access.issue_link(patient, expires_at=AFTER_THE_END.replace(year=2028))
    born = patient.date_of_birth
    response = client.post(
        reverse("portal:link", args=[token]),
        {"date_of_birth_0": born.day, "date_of_birth_1": born.month, "date_of_birth_2": born.year},
    )
    assert response.status_code == 302, response.status_code


@time_machine.travel(AFTER_THE_END, tick=False)
class SharedWorkTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = make_course(self.therapist, "ipt")
        session2 = self.course.appointments.get(number=2)
        self.shown = progress.add_problem(
            actor=self.therapist,
            course=self.course,
            kind="problem",
            description="Arguments with my sister",
            baseline=8,
            session=session2,
        )
        self.hidden = progress.add_problem(
            actor=self.therapist,
            course=self.course,
            kind="problem",
            description="HIDDEN PROBLEM",
            baseline=6,
            session=session2,
        )
        progress.set_shared(actor=self.therapist, item=self.shown, shared=True)
        for number, text in ((3, "Call my sister on Sunday."), (4, "HIDDEN TASK")):
            encounters.save_record(
                actor=self.therapist,
                appointment=self.course.appointments.get(number=number),
                notes="SECRET SESSION NOTE",
                risk_notes="SECRET RISK NOTE",
                between_session_task=text,
            )
        self.task = BetweenSessionTask.objects.get(set_at__number=3)
        progress.set_shared(actor=self.therapist, item=self.task, shared=True)
        portal_sign_in(self.client, self.course.patient)

    def test_the_page_shows_only_what_is_shared(self) -> None:
        page = self.client.get(reverse("portal:home"))
        self.assertContains(page, "Arguments with my sister")
        self.assertContains(page, "Call my sister on Sunday.")
        for secret in ("HIDDEN PROBLEM", "HIDDEN TASK", "SECRET SESSION NOTE", "SECRET RISK NOTE"):
            self.assertNotContains(page, secret)
        self.assertNotContains(page, "What we are working on")

    def test_a_shared_focus_is_shown_in_the_patients_words(self) -> None:
        formulation.record_focus(
            actor=self.therapist,
            course=self.course,
            problem_area="role_dispute",
            dispute_stage="impasse",
            rationale="THERAPIST RATIONALE",
            formulation="Arguments with your sister started when your mother fell ill.",
            shared_with_patient=True,
        )
        page = self.client.get(reverse("portal:home"))
        self.assertContains(page, "Arguments with your sister started when your mother fell ill.")
        self.assertNotContains(page, "THERAPIST RATIONALE")

    def test_the_patient_rates_a_problem_with_a_message_beside_the_field(self) -> None:
        url = reverse("portal:rate_problem", args=[self.shown.public_id])
        empty = self.client.post(url, {})
        self.assertContains(empty, "Choose a number from 0 to 10", status_code=400)
        response = self.client.post(url, {f"problem-{self.shown.public_id}-score": "5"})
        self.assertRedirects(response, reverse("portal:home") + "#problems")
        rating = ProblemRating.objects.filter(problem=self.shown).latest("id")
        self.assertEqual((rating.score, rating.rater), (5, "patient"))
        self.assertContains(self.client.get(reverse("portal:home")), "Last rated 5 out of 10")

    def test_the_patient_notes_a_task_and_the_therapist_sees_it(self) -> None:
        url = reverse("portal:note_task", args=[self.task.public_id])
        response = self.client.post(url, {f"task-{self.task.public_id}-note": "I called her."})
        self.assertRedirects(response, reverse("portal:home") + "#tasks")
        self.task.refresh_from_db()
        self.assertEqual(self.task.patient_note, "I called her.")
        event = AuditEvent.objects.get(action="progress.task_noted")
        self.assertEqual(event.actor_label, f"patient:{self.course.patient.public_id}")

    def test_nothing_unshared_or_anyone_elses_can_be_reached_by_url(self) -> None:
        hidden_task = BetweenSessionTask.objects.get(set_at__number=4)
        other = make_course(self.outsider, "ipt", first_name="Kim", nhs_number="")
        theirs = progress.add_problem(
            actor=self.outsider,
            course=other,
            kind="problem",
            description="Kim's problem",
            baseline=5,
            session=other.appointments.get(number=2),
        )
        progress.set_shared(actor=self.outsider, item=theirs, shared=True)
        for url, data in (
            (reverse("portal:rate_problem", args=[self.hidden.public_id]), {"x-score": "1"}),
            (reverse("portal:rate_problem", args=[theirs.public_id]), {"x-score": "1"}),
            (reverse("portal:note_task", args=[hidden_task.public_id]), {"x-note": "x"}),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertEqual(ProblemRating.objects.filter(rater="patient").count(), 0)
        self.assertEqual(
            self.client.get(reverse("portal:letter_pdf", args=[theirs.public_id])).status_code,
            404,
        )

    def test_a_shared_letter_downloads_and_an_unshared_one_does_not(self) -> None:
        from interplay.progress.models import CourseLetter

        letter = progress.save_letter_draft(
            actor=self.therapist,
            course=self.course,
            kind="ending_summary",
            draft="Dear Robin, thank you for the work we did together.",
        )
        letter = progress.produce_course_letter(actor=self.therapist, course_letter=letter)
        url = reverse("portal:letter_pdf", args=[letter.public_id])
        self.assertEqual(self.client.get(url).status_code, 404)
        progress.set_shared(actor=self.therapist, item=letter, shared=True)
        self.assertContains(self.client.get(reverse("portal:home")), url)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertTrue(CourseLetter.objects.get().shared)
        self.assertEqual(
            AuditEvent.objects.filter(action="letter.viewed").last().actor_label,  # type: ignore[union-attr]
            PatientActor(self.course.patient).audit_label,
        )

    def test_the_page_costs_the_same_however_much_is_shared(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client.get(reverse("portal:home"))
        with CaptureQueriesContext(connection) as before:
            self.client.get(reverse("portal:home"))
        session2 = self.course.appointments.get(number=2)
        for n in range(3):
            problem = progress.add_problem(
                actor=self.therapist,
                course=self.course,
                kind="goal",
                description=f"Goal {n}",
                baseline=2,
                session=session2,
            )
            progress.set_shared(actor=self.therapist, item=problem, shared=True)
        progress.set_shared(
            actor=self.therapist,
            item=BetweenSessionTask.objects.get(set_at__number=4),
            shared=True,
        )
        with self.assertNumQueries(len(before)):
            page = self.client.get(reverse("portal:home"))
        self.assertEqual(page.text.count('data-testid="problem"'), 4)

    def test_the_patient_sees_and_moves_people_on_a_shared_circle(self) -> None:
        url = reverse("portal:circle")
        jo = formulation.add_person(
            actor=self.therapist, course=self.course, name="Jo", relationship="partner"
        )
        formulation.place_person(actor=self.therapist, entry=jo, ring=3)
        self.assertEqual(self.client.get(url).status_code, 404)  # not shared yet
        formulation.record_focus(
            actor=self.therapist,
            course=self.course,
            problem_area="role_dispute",
            dispute_stage="impasse",
            rationale="Why.",
            formulation="Arguments with Jo.",
            shared_with_patient=True,
        )
        page = self.client.get(url)
        self.assertContains(page, 'data-person="Jo"')
        self.assertContains(page, "Outer ring")
        response = self.client.post(url, {f"place-ring_{jo.public_id}": "1"})
        self.assertRedirects(response, url)
        jo.refresh_from_db()
        self.assertEqual((jo.ring, jo.placed_by_patient, jo.placed_by), (1, True, None))


@time_machine.travel(AFTER_THE_END, tick=False)
class EveryPortalURLTests(BaseTestCase):
    """Signed in as one patient, every portal route given any of another patient's ids
    answers without their data: walked from the resolver, so a new route is covered."""

    def test_no_portal_route_reaches_another_patients_record(self) -> None:
        from django.urls import URLPattern, URLResolver, get_resolver

        mine = make_course(self.therapist, "ipt")
        theirs = make_course(self.outsider, "ipt", first_name="Kim", nhs_number="")
        problem = progress.add_problem(
            actor=self.outsider,
            course=theirs,
            kind="problem",
            description="KIMS PROBLEM",
            baseline=5,
            session=theirs.appointments.get(number=2),
        )
        progress.set_shared(actor=self.outsider, item=problem, shared=True)
        encounters.save_record(
            actor=self.outsider,
            appointment=theirs.appointments.get(number=3),
            between_session_task="KIMS TASK",
        )
        task = BetweenSessionTask.objects.get(course=theirs)
        progress.set_shared(actor=self.outsider, item=task, shared=True)
        letter = progress.save_letter_draft(
            actor=self.outsider, course=theirs, kind="ending_summary", draft="KIMS LETTER"
        )
        letter = progress.produce_course_letter(actor=self.outsider, course_letter=letter)
        progress.set_shared(actor=self.outsider, item=letter, shared=True)
        their_ids = [
            theirs.appointments.get(number=16).public_id,
            problem.public_id,
            task.public_id,
            letter.public_id,
            theirs.public_id,
            theirs.patient.public_id,
        ]
        portal_sign_in(self.client, mine.patient)
        resolver = get_resolver().url_patterns
        portal = next(p for p in resolver if getattr(p, "namespace", None) == "portal")
        assert isinstance(portal, URLResolver)
        checked = 0
        for pattern in portal.url_patterns:
            assert isinstance(pattern, URLPattern)
            if "public_id" not in pattern.pattern.regex.groupindex:
                continue
            for public_id in their_ids:
                kwargs: dict[str, Any] = {"public_id": public_id}
                if "code" in pattern.pattern.regex.groupindex:
                    kwargs["code"] = "phq9"
                url = reverse(f"portal:{pattern.name}", kwargs=kwargs)
                for method in (self.client.get, self.client.post):
                    response = method(url)
                    with self.subTest(url=url, method=method.__name__):
                        self.assertIn(response.status_code, (404, 405))
                        for secret in (b"KIMS", b"Kim"):
                            self.assertNotIn(secret, response.content)
                    checked += 1
        self.assertGreaterEqual(checked, 6 * 2 * 5)

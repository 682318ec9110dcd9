"""The pages: problems and goals, the ending review, ending letters, tasks on the session."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.encounters import services as encounters
from interplay.patients.services import record_consent
from interplay.progress import services
from interplay.progress.models import BetweenSessionTask, CourseLetter, Problem
from interplay.progress.tests.factories import attend, make_course
from interplay.progress.tests.test_services import ProgressTestCase

PAGES = ("progress:problems", "progress:ending", "progress:letters")


class LadderTests(ProgressTestCase):
    def test_every_page_answers_each_person_as_the_policy_says(self) -> None:
        for name in PAGES:
            url = reverse(name, args=[self.course.public_id])
            with self.subTest(name, who="anonymous"):
                self.client.logout()
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/accounts/login/", response["Location"])
            for user, status in (
                (self.outsider, 404),
                (self.triage, 403),
                (self.manager, 403),
                (self.therapist, 200),
                (self.supervisor, 200),
            ):
                with self.subTest(name, who=user.username):
                    self.sign_in(user)
                    self.assertEqual(self.client.get(url).status_code, status)

    def test_the_supervisor_reads_but_cannot_write(self) -> None:
        self.problem()
        self.sign_in(self.supervisor)
        page = self.client.get(reverse("progress:problems", args=[self.course.public_id]))
        self.assertContains(page, "Arguments with my sister")
        self.assertNotContains(page, "Add a problem or goal")
        response = self.client.post(
            reverse("progress:add_problem", args=[self.course.public_id]),
            {
                "problem-kind": "goal",
                "problem-description": "x",
                "problem-baseline": "3",
                "problem-session": "1",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Problem.objects.count(), 1)
        problem = Problem.objects.get()
        response = self.client.post(
            reverse("progress:share_problem", args=[problem.public_id]), {"shared": "True"}
        )
        self.assertEqual(response.status_code, 403)
        problem.refresh_from_db()
        self.assertFalse(problem.shared)


class ProblemPageTests(ProgressTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.sign_in(self.therapist)
        self.url = reverse("progress:problems", args=[self.course.public_id])

    def test_a_therapist_adds_a_problem_with_its_baseline(self) -> None:
        response = self.client.post(
            reverse("progress:add_problem", args=[self.course.public_id]),
            {
                "problem-kind": "goal",
                "problem-description": "Go back to choir",
                "problem-baseline": "2",
                "problem-session": "3",
            },
        )
        self.assertRedirects(response, self.url)
        problem = Problem.objects.get()
        self.assertEqual((problem.kind, problem.description), ("goal", "Go back to choir"))
        self.assertEqual(problem.ratings.get().session, self.session(3))

    def test_bad_input_is_explained_beside_the_field_and_kept(self) -> None:
        response = self.client.post(
            reverse("progress:add_problem", args=[self.course.public_id]),
            {
                "problem-kind": "problem",
                "problem-description": "Dreading Sundays",
                "problem-baseline": "11",
                "problem-session": "3",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "The rating must be 10 or less", status_code=400)
        self.assertContains(response, "Dreading Sundays", status_code=400)
        self.assertContains(response, "<title>Error:", status_code=400)
        self.assertFalse(Problem.objects.exists())

    def test_only_initial_sessions_are_offered(self) -> None:
        response = self.client.post(
            reverse("progress:add_problem", args=[self.course.public_id]),
            {
                "problem-kind": "problem",
                "problem-description": "Dreading Sundays",
                "problem-baseline": "5",
                "problem-session": "5",
            },
        )
        self.assertContains(response, "Select a valid choice", status_code=400)

    def test_re_rating_at_a_named_session_shows_in_the_chart_and_the_table(self) -> None:
        one, two = self.problem(), self.problem("Sleeping badly", baseline=6)
        response = self.client.post(
            reverse("progress:rerate", args=[self.course.public_id]),
            {
                "rerate-session": "8",
                f"rerate-score_{one.public_id.hex}": "5",
                f"rerate-score_{two.public_id.hex}": "4",
            },
        )
        self.assertRedirects(response, self.url)
        page = self.client.get(self.url)
        self.assertContains(page, 'src="data:image/svg+xml;base64,')
        self.assertContains(page, "Chart of the ratings of 2 problems and goals by session")
        table = page.content.decode().split('data-testid="ratings"')[1].split("</table>")[0]
        self.assertIn("Sleeping badly", table)
        self.assertIn("Better when", table)  # a problem's rating falls as it improves
        self.assertEqual(table.count('data-testid="better">Lower</td>'), 2)
        self.assertIn('<th scope="col" class="nhsuk-table__header">Session 8</th>', table)
        self.assertEqual([r.score for r in two.ratings.all()], [6, 4])

    def test_a_session_the_protocol_does_not_name_is_not_offered(self) -> None:
        one = self.problem()
        response = self.client.post(
            reverse("progress:rerate", args=[self.course.public_id]),
            {"rerate-session": "9", f"rerate-score_{one.public_id.hex}": "5"},
        )
        self.assertContains(response, "Select a valid choice", status_code=400)
        self.assertEqual(one.ratings.count(), 1)

    def test_the_page_costs_the_same_queries_however_many_problems(self) -> None:
        self.problem()
        self.client.get(self.url)  # the first request of a session also touches the session
        with CaptureQueriesContext(connection) as one:
            self.client.get(self.url)
        for n in range(3):
            problem = self.problem(f"Problem {n}")
            services.rate_problem(
                actor=self.therapist,
                problem=problem,
                score=3,
                session=self.course.appointments.get(number=8),
            )
        with self.assertNumQueries(len(one.captured_queries)):
            self.client.get(self.url)

    def test_sharing_a_problem(self) -> None:
        problem = self.problem()
        self.client.post(
            reverse("progress:share_problem", args=[problem.public_id]), {"shared": "True"}
        )
        problem.refresh_from_db()
        self.assertTrue(problem.shared)
        self.client.post(reverse("progress:share_problem", args=[problem.public_id]), {})
        problem.refresh_from_db()
        self.assertFalse(problem.shared)

    def test_the_course_page_links_here(self) -> None:
        page = self.client.get(reverse("courses:detail", args=[self.course.public_id]))
        self.assertContains(page, self.url)
        self.assertContains(page, reverse("progress:letters", args=[self.course.public_id]))


class EndingPageTests(ProgressTestCase):
    attended = 12

    def test_the_review_is_written_in_the_ending_phase(self) -> None:
        self.problem()
        self.sign_in(self.therapist)
        url = reverse("progress:ending", args=[self.course.public_id])
        page = self.client.get(url)
        self.assertContains(page, "opens when the termination phase begins")
        self.assertContains(page, "once session 13 or a later one is recorded as attended")
        attend(self.course, 13)
        response = self.client.post(
            reverse("progress:save_ending", args=[self.course.public_id]),
            {"review-warning_signs": "Not sleeping", "review-relapse_plan": "Call the GP"},
        )
        self.assertRedirects(response, url)
        page = self.client.get(url)
        self.assertContains(page, "Not sleeping")
        self.assertContains(page, "Arguments with my sister")
        self.sign_in(self.supervisor)
        self.assertContains(self.client.get(url), "Call the GP")


class LetterPageTests(ProgressTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.course = make_course(self.outsider, "dit", first_name="Ash", nhs_number="")
        self.sign_in(self.outsider)
        self.url = reverse("progress:letters", args=[self.course.public_id])

    def test_produce_the_goodbye_letter_and_download_it(self) -> None:
        page = self.client.get(self.url)
        self.assertContains(page, "due at session 15")
        response = self.client.post(
            reverse("progress:produce", args=[self.course.public_id, "goodbye"]),
            {"goodbye-draft": "Dear Ash, thank you for the work you did."},
        )
        self.assertRedirects(response, self.url)
        kept = CourseLetter.objects.get(kind="goodbye")
        self.assertTrue(kept.produced)
        page = self.client.get(self.url)
        pdf_url = reverse("progress:letter_pdf", args=[kept.public_id])
        self.assertContains(page, pdf_url)
        download = self.client.get(pdf_url)
        self.assertEqual(download["Content-Type"], "application/pdf")
        self.assertTrue(download.content.startswith(b"%PDF"))
        self.sign_in(self.therapist)
        self.assertEqual(self.client.get(pdf_url).status_code, 404)
        self.sign_in(self.triage)
        self.assertEqual(self.client.get(pdf_url).status_code, 403)

    def test_an_empty_letter_is_refused_beside_the_field(self) -> None:
        response = self.client.post(
            reverse("progress:save_letter", args=[self.course.public_id, "goodbye"]),
            {"goodbye-draft": ""},
        )
        self.assertContains(response, "Write the letter", status_code=400)
        self.assertFalse(CourseLetter.objects.exists())

    def test_no_gp_letter_without_consent(self) -> None:
        record_consent(
            actor=self.triage, patient=self.course.patient, kind="gp_contact", given=False
        )
        self.sign_in(self.outsider)
        self.assertContains(self.client.get(self.url), "has not agreed to us contacting their GP")
        response = self.client.post(
            reverse("progress:produce", args=[self.course.public_id, "discharge"]),
            {"discharge-draft": "Discharged."},
        )
        self.assertContains(response, "not agreed to us contacting their GP", status_code=409)
        self.assertFalse(CourseLetter.objects.exists())

    def test_an_unknown_kind_is_not_found(self) -> None:
        response = self.client.post(
            reverse("progress:save_letter", args=[self.course.public_id, "poem"]),
            {"poem-draft": "x"},
        )
        self.assertEqual(response.status_code, 404)


class SessionTaskTests(ProgressTestCase):
    def test_the_next_session_shows_the_task_and_the_patients_note(self) -> None:
        encounters.save_record(
            actor=self.therapist,
            appointment=self.course.appointments.get(number=3),
            notes="SECRET SESSION NOTE",
            between_session_task="Call my sister once.",
        )
        task = BetweenSessionTask.objects.get()
        self.sign_in(self.therapist)
        third = reverse("courses:session", args=[task.set_at.public_id])
        response = self.client.post(
            reverse("progress:share_task", args=[task.public_id]), {"shared": "True"}
        )
        self.assertRedirects(response, third)
        self.assertContains(self.client.get(third), "Shown to the patient.")
        services.note_task(actor=self.patient, task=fresh(task), note="I called on Sunday.")
        fourth = self.course.appointments.get(number=4)
        for url in (
            reverse("courses:session", args=[fourth.public_id]),
            reverse("encounters:record", args=[fourth.public_id]),
        ):
            page = self.client.get(url)
            self.assertContains(page, "Call my sister once.")
            self.assertContains(page, "I called on Sunday.")


def fresh(task: BetweenSessionTask) -> BetweenSessionTask:
    task.refresh_from_db()
    return task

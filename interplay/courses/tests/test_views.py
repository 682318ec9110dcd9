import datetime as dt

from django.urls import reverse

from interplay.courses import services
from interplay.test import AUDIT_WRITE, BaseTestCase, allocated_to, give_hours, qualify


class CourseViewTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        self.referral = allocated_to(self.therapist, "ipt")
        self.start_url = reverse("courses:start", args=[self.referral.public_id])

    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            "protocol": "ipt16",
            "weekday": "0",
            "time": "10:00",
            "first_date_0": "7",
            "first_date_1": "12",
            "first_date_2": "2026",
            "room": "",
            "video_link": "",
        }
        data.update(overrides)
        return data

    def test_the_caseload_shows_the_latest_scores(self) -> None:
        services.start_course(
            actor=self.therapist,
            referral=self.referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 12, 7),
            history=True,
        )
        self.sign_in(self.therapist)
        page = self.client.get(reverse("caseload"))
        self.assertContains(page, "0 (None or minimal) / 0 (Minimal)")

    def test_the_caseload_shows_who_to_start(self) -> None:
        self.sign_in(self.therapist)
        response = self.client.get(reverse("caseload"))
        self.assertContains(response, "Robin Testwell")
        self.assertContains(response, self.start_url)

    def test_only_the_allocated_therapist_reaches_the_start_page(self) -> None:
        self.client.logout()
        self.assertEqual(self.client.get(self.start_url).status_code, 302)
        self.sign_in(self.outsider)
        self.assertEqual(self.client.get(self.start_url).status_code, 404)
        for user in (self.triage, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.start_url).status_code, 403, user)
        self.sign_in(self.therapist)
        self.assertEqual(self.client.get(self.start_url).status_code, 200)

    def test_a_proposal_then_a_confirmation_books_the_course(self) -> None:
        self.sign_in(self.therapist)
        preview = self.client.post(self.start_url, self.form())
        self.assertContains(preview, "16 weekly sessions of 50 minutes")
        self.assertContains(preview, "Boxing Day")
        confirm = self.client.post(
            reverse("courses:confirm", args=[self.referral.public_id]), self.form()
        )
        self.assertEqual(confirm.status_code, 302)
        page = self.client.get(confirm["Location"])
        self.assertContains(page, "16 of 16")
        self.assertContains(page, "Initial phase")

    def test_bad_input_is_explained_beside_the_field_and_kept(self) -> None:
        self.sign_in(self.therapist)
        response = self.client.post(self.start_url, self.form(time="25:99", first_date_1=""))
        self.assertContains(response, "Enter a time like 09:30", status_code=400)
        self.assertContains(response, "must include a month", status_code=400)
        self.assertContains(response, 'value="25:99"', status_code=400)

    def test_the_course_page_is_for_its_therapist_and_their_supervisor(self) -> None:
        course = services.start_course(
            actor=self.therapist,
            referral=self.referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 12, 7),
            history=True,
        )
        url = reverse("courses:detail", args=[course.public_id])
        self.sign_in(self.therapist)
        title = self.client.get(url).content.decode().split("<title>")[1].split("</title>")[0]
        self.assertEqual(title, "Course: Robin Testwell - Interplay Talking Therapies")
        for user, status in [
            (self.therapist, 200),
            (self.supervisor, 200),
            (self.outsider, 404),
            (self.triage, 403),
            (self.manager, 403),
        ]:
            self.sign_in(user)
            self.assertEqual(self.client.get(url).status_code, status, user)

    def test_the_caseload_query_count_does_not_grow(self) -> None:
        services.start_course(
            actor=self.therapist,
            referral=self.referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 12, 7),
            history=True,
        )
        self.sign_in(self.therapist)
        self.client.get(reverse("caseload"))
        with self.assertNumQueries(10 + AUDIT_WRITE):  # 2 for own figures, 2 for groups
            self.client.get(reverse("caseload"))
        second = allocated_to(self.therapist, "ipt", nhs_number="9434765919")
        services.start_course(
            actor=self.therapist,
            referral=second,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(11),
            first_date=dt.date(2026, 12, 7),
            history=True,
        )
        with self.assertNumQueries(10 + AUDIT_WRITE):  # 2 for own figures, 2 for groups
            self.client.get(reverse("caseload"))

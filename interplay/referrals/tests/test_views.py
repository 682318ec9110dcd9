from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, make_referral, referral_form_data

DETAILS = reverse("referrals:details")


class SafetyAndEligibilityTests(BaseTestCase):
    def test_the_first_question_is_about_safety(self) -> None:
        response = self.client.get(reverse("referrals:start"))
        self.assertContains(response, "not feel safe right now")
        self.assertContains(response, "This is not an emergency service")

    def test_someone_not_safe_sees_crisis_signposting_and_no_form(self) -> None:
        response = self.client.post(
            reverse("referrals:start"), {"need_urgent_help": "yes"}, follow=True
        )
        self.assertRedirects(response, reverse("referrals:urgent_help"))
        for text in ("999", "NHS 111", "option 2", "116 123", "85258", "not an emergency service"):
            self.assertContains(response, text)
        self.assertNotContains(response, "Send my referral")

    def test_an_unanswered_safety_question_is_explained_beside_it(self) -> None:
        response = self.client.post(reverse("referrals:start"), {})
        self.assertContains(response, "There is a problem")
        self.assertContains(response, 'id="id_need_urgent_help-error"')

    def test_someone_safe_goes_on_to_eligibility(self) -> None:
        response = self.client.post(reverse("referrals:start"), {"need_urgent_help": "no"})
        self.assertRedirects(response, reverse("referrals:eligibility"))

    def test_under_age_is_told_where_to_go_instead(self) -> None:
        response = self.client.post(
            reverse("referrals:eligibility"),
            {"old_enough": "no", "under_secondary_care": "no"},
            follow=True,
        )
        self.assertContains(response, "aged 18 or over")
        self.assertContains(response, "Your GP can tell you")

    def test_minimum_age_is_the_services_to_set(self) -> None:
        service = ServiceSettings.load()
        service.minimum_referral_age = 16
        service.save()
        self.assertContains(self.client.get(reverse("referrals:eligibility")), "aged 16 or over")

    def test_someone_under_a_specialist_team_is_sent_back_to_it(self) -> None:
        response = self.client.post(
            reverse("referrals:eligibility"),
            {"old_enough": "yes", "under_secondary_care": "yes"},
            follow=True,
        )
        self.assertContains(response, "care coordinator")

    def test_out_of_area_postcodes_are_turned_away_when_an_area_is_set(self) -> None:
        service = ServiceSettings.load()
        service.area_postcode_prefixes = "LS6, LS7"
        service.save()
        url = reverse("referrals:eligibility")
        answers = {"old_enough": "yes", "under_secondary_care": "no"}
        away = self.client.post(url, {**answers, "postcode": "M1 1AE"}, follow=True)
        self.assertContains(away, "outside the area we cover")
        home = self.client.post(url, {**answers, "postcode": "ls6 2ab"})
        self.assertEqual(home.status_code, 302)
        self.assertIn(DETAILS, home["Location"])
        form = self.client.get(home["Location"])
        self.assertContains(form, 'value="LS6 2AB"')

    def test_the_referral_page_needs_the_earlier_steps(self) -> None:
        self.assertRedirects(self.client.get(DETAILS), reverse("referrals:start"))
        forged = self.client.get(DETAILS + "?gate=forged")
        self.assertRedirects(forged, reverse("referrals:start"))


class ReferralFormTests(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_a_complete_referral_shows_the_reference_and_what_happens_next(self) -> None:
        response = self.client.post(DETAILS, referral_form_data(), follow=True)
        referral = Referral.objects.get()
        self.assertContains(response, referral.reference)
        self.assertContains(response, "What happens next")
        self.assertNotContains(response, "116 123")
        self.assertEqual(referral.nhs_number, "9434765919")
        self.assertEqual(referral.postcode, "LS6 2AB")
        self.assertEqual(referral.phone, "+447700900123")
        self.assertEqual(referral.available_times, ["weekday_morning", "weekday_evening"])
        self.assertTrue(referral.may_leave_message)
        self.assertEqual(referral.score("phq9").total, 8)

    def test_risk_disclosed_shows_signposting_again_and_marks_urgent(self) -> None:
        response = self.client.post(DETAILS, referral_form_data(phq9_9="2"), follow=True)
        self.assertContains(response, "116 123")
        self.assertContains(response, "We will look at your referral first")
        self.assertTrue(Referral.objects.get().urgent)

    def test_every_problem_is_named_beside_its_field_and_nothing_typed_is_lost(self) -> None:
        data = referral_form_data(
            last_name="",
            date_of_birth_1="",
            nhs_number="123 456 7890",
            phone="12",
            email="robin@",
            phq9_4=None,
            consent_to_referral=None,
            main_difficulties="I cannot sleep & I argue with my sister",
        )
        response = self.client.post(DETAILS, data)
        self.assertEqual(response.status_code, 400)
        for field, message in [
            ("last_name", "Enter your last name"),
            ("date_of_birth", "Date of birth must include a month"),
            ("nhs_number", "Enter a valid NHS number"),
            ("phone", "Enter a phone number with its area code, like"),
            ("email", "Enter an email address in the correct format"),
            ("phq9_4", "PHQ-9 question 4"),
            ("consent_to_referral", "You must agree to the referral"),
        ]:
            self.assertContains(response, f'id="id_{field}-error"', status_code=400)
            self.assertContains(response, message, status_code=400)
        for kept in [
            'value="Robin"',
            'value="17"',
            'value="1990"',
            'value="12"',
            "I cannot sleep &amp; I argue with my sister",
            'value="robin@"',
        ]:
            self.assertContains(response, kept, status_code=400)
        self.assertContains(
            response, 'name="phq9_3" type="radio" value="1" checked', status_code=400
        )
        self.assertFalse(Referral.objects.exists())

    def test_a_date_that_does_not_exist_is_explained(self) -> None:
        data = referral_form_data(date_of_birth_0="31", date_of_birth_1="2")
        self.assertContains(self.client.post(DETAILS, data), "must be a real date", status_code=400)

    def test_someone_too_young_by_date_of_birth_is_told_so(self) -> None:
        data = referral_form_data(date_of_birth_2="2015")
        response = self.client.post(DETAILS, data)
        self.assertContains(response, "You must be aged 18 or over", status_code=400)

    def test_choosing_email_contact_needs_an_email_address(self) -> None:
        data = referral_form_data(preferred_contact="email", email="")
        response = self.client.post(DETAILS, data)
        self.assertContains(response, "Enter your email address, or choose", status_code=400)

    def test_a_number_that_is_not_whole_is_refused_and_kept(self) -> None:
        response = self.client.post(DETAILS, referral_form_data(phone="12345"))
        self.assertContains(response, 'id="id_phone-error"', status_code=400)
        self.assertContains(
            response, "Enter a phone number with its area code, like 07700 900 982", status_code=400
        )
        self.assertContains(response, 'value="12345"', status_code=400)
        self.assertFalse(Referral.objects.exists())

    def test_someone_with_no_phone_or_email_is_asked_for_one(self) -> None:
        data = referral_form_data(phone="", email="", preferred_contact="letter")
        response = self.client.post(DETAILS, data)
        self.assertContains(response, 'id="id_phone-error"', status_code=400)
        self.assertContains(response, "Enter a phone number or an email address", status_code=400)
        self.assertFalse(Referral.objects.exists())

    def test_choosing_phone_contact_needs_a_phone_number(self) -> None:
        data = referral_form_data(phone="", preferred_contact="text")
        response = self.client.post(DETAILS, data)
        self.assertContains(
            response, "Enter your phone number, or choose another way", status_code=400
        )

    def test_an_email_address_alone_is_a_way_to_reach_someone(self) -> None:
        data = referral_form_data(phone="", preferred_contact="email")
        self.client.post(DETAILS, data)
        referral = Referral.objects.get()
        self.assertEqual((referral.phone, referral.email), ("", "robin@example.org"))

    def test_a_double_click_or_resubmission_makes_one_referral(self) -> None:
        data = referral_form_data()
        first = self.client.post(DETAILS, data)
        second = self.client.post(DETAILS, data)
        self.assertEqual(Referral.objects.count(), 1)
        self.assertEqual(first.status_code, second.status_code)
        reference = Referral.objects.get().reference
        self.assertContains(self.client.get(second["Location"]), reference)

    def test_a_filled_honeypot_is_refused(self) -> None:
        response = self.client.post(DETAILS, referral_form_data(website="http://spam.example"))
        self.assertContains(response, "Leave this box empty", status_code=400)
        self.assertFalse(Referral.objects.exists())

    @override_settings(REFERRAL_RATE_LIMIT="2/h")
    def test_too_many_submissions_from_one_address_are_limited_with_answers_kept(self) -> None:
        for _ in range(2):
            self.client.post(DETAILS, referral_form_data())
        response = self.client.post(DETAILS, referral_form_data(first_name="Sasha"))
        self.assertContains(response, "Too many referrals", status_code=429)
        self.assertContains(response, 'value="Sasha"', status_code=429)
        self.assertEqual(Referral.objects.count(), 2)

    def test_a_confirmation_link_cannot_be_forged(self) -> None:
        url = reverse("referrals:confirmation", args=["not-a-real-token"])
        self.assertEqual(self.client.get(url).status_code, 404)


class ReferralDetailTests(BaseTestCase):
    def setUp(self) -> None:
        self.referral = make_referral(phq9={n: 1 for n in range(1, 10)})
        self.url = reverse("referrals:detail", args=[self.referral.public_id])

    def test_anonymous_people_are_asked_to_sign_in(self) -> None:
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={self.url}")

    def test_roles_without_triage_work_are_refused(self) -> None:
        for user in (self.therapist, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.url).status_code, 403, user)

    def test_an_unknown_referral_is_not_found(self) -> None:
        self.sign_in(self.triage)
        url = reverse("referrals:detail", args=["00000000-0000-4000-8000-000000000000"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_triage_sees_every_answer_and_the_view_is_audited(self) -> None:
        self.sign_in(self.triage)
        response = self.client.get(self.url)
        self.assertContains(response, "Robin Testwell")
        self.assertContains(response, "I have felt low since my father died.")
        self.assertContains(response, "PHQ-9: 9 (Mild)")
        self.assertContains(response, "Thoughts that you would be better off dead")
        self.assertContains(response, "Urgent: risk disclosed")
        event = AuditEvent.objects.by_action("referral.viewed").get()
        self.assertEqual(
            (event.actor, event.object_id), (self.triage, str(self.referral.public_id))
        )

    def test_a_supervisor_may_read_it_too(self) -> None:
        self.sign_in(self.supervisor)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_changes_are_refused(self) -> None:
        self.sign_in(self.triage)
        self.assertEqual(self.client.post(self.url).status_code, 405)

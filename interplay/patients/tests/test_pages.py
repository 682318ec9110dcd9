"""Finding a patient and their record page: administrators only, every look audited."""

import uuid
from typing import Any

from django.test import Client
from django.urls import reverse

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.patients.models import Patient
from interplay.patients.services import record_consent
from interplay.test import AUDIT_WRITE, BaseTestCase, make_referral, make_user, sign_in

FIND = reverse("patients:find")
NHS_NUMBER = "9434765919"


class SearchingTestCase(BaseTestCase):
    def search(self, q: str, page: str = "") -> Any:
        """Post the search, then open its results page (``page`` N of them)."""
        posted = self.client.post(FIND, {"q": q})
        if posted.status_code != 302 or not posted["Location"].startswith(FIND):
            return posted
        return self.client.get(posted["Location"] + (f"&page={page}" if page else ""))


def detail_url(public_id: uuid.UUID) -> str:
    return reverse("patients:detail", kwargs={"public_id": public_id})


class FindPermissionTests(SearchingTestCase):
    def test_anonymous_is_sent_to_sign_in(self) -> None:
        for response in (self.client.get(FIND), self.client.post(FIND, {"q": "Testwell"})):
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_a_password_alone_is_not_enough(self) -> None:
        self.sign_in(self.admin, second_factor=False)
        self.assertEqual(self.client.get(FIND).status_code, 302)

    def test_clinicians_and_managers_are_refused(self) -> None:
        make_referral(email="")
        for user in (self.therapist, self.supervisor, self.triage, self.manager, self.outsider):
            self.sign_in(user)
            response = self.search("Testwell")
            self.assertEqual(response.status_code, 403, user.username)
            self.assertNotContains(response, "Robin", status_code=403)

    def test_administrators_see_the_search(self) -> None:
        self.sign_in(self.admin)
        response = self.client.get(FIND)
        self.assertContains(response, "Find a patient")
        self.assertNotContains(response, 'data-testid="result-count"')
        self.assertFalse(AuditEvent.objects.by_action("patient_search.viewed").exists())


class FindTests(SearchingTestCase):
    def setUp(self) -> None:
        self.robin = make_referral(email="", nhs_number=NHS_NUMBER)
        self.sam = make_referral(email="", first_name="Sam", last_name="Okonjo-Reid")
        self.sign_in(self.admin)

    def names_found(self, q: str) -> list[str]:
        response = self.search(q)
        self.assertEqual(response.status_code, 200)
        return [p.full_name for p in response.context["page"].object_list]

    def test_by_nhs_number_exactly_however_it_is_spaced(self) -> None:
        self.assertEqual(self.names_found("943 476 5919"), ["Robin Testwell"])
        self.assertEqual(self.names_found(NHS_NUMBER), ["Robin Testwell"])
        self.assertEqual(self.names_found("943476591"), [])

    def test_by_last_or_first_name_in_any_case(self) -> None:
        self.assertEqual(self.names_found("okonjo"), ["Sam Okonjo-Reid"])
        self.assertEqual(self.names_found("ROBIN"), ["Robin Testwell"])
        self.assertEqual(self.names_found("sam reid"), ["Sam Okonjo-Reid"])
        self.assertEqual(self.names_found("sam testwell"), [])

    def test_by_a_referral_reference_in_any_case(self) -> None:
        self.assertEqual(self.names_found(self.sam.reference.lower()), ["Sam Okonjo-Reid"])

    def test_input_that_looks_like_an_attack_is_only_text(self) -> None:
        for q in ("' OR '1'='1", "%", "_", "\\", "Robin'; DROP TABLE patients_patient; --"):
            with self.subTest(q=q):
                self.assertEqual(self.names_found(q), [])
        self.assertEqual(Patient.objects.count(), 2)
        response = self.search("<script>alert(1)</script>")
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_an_overlong_search_is_explained_beside_the_box(self) -> None:
        response = self.search("x" * 101)
        self.assertContains(response, 'id="id_q-error"', status_code=400)

    def test_the_page_links_to_each_record(self) -> None:
        response = self.search("Testwell")
        assert self.robin.patient is not None
        self.assertContains(response, detail_url(self.robin.patient.public_id))
        self.assertContains(response, "943 476 5919")

    def test_a_search_is_audited_with_the_records_shown_never_the_words(self) -> None:
        self.search("Testwell")
        event = AuditEvent.objects.by_action("patient_search.viewed").get()
        assert self.robin.patient is not None
        self.assertEqual(event.detail, {"patients": [str(self.robin.patient.public_id)], "page": 1})
        self.assertNotIn("Testwell", str(event.detail))

    def test_merged_records_are_not_found(self) -> None:
        assert self.robin.patient is not None and self.sam.patient is not None
        Patient.objects.filter(pk=self.sam.patient.pk).update(merged_into=self.robin.patient)
        self.assertEqual(self.names_found("Okonjo"), [])


class FindCostTests(SearchingTestCase):
    def test_the_query_count_does_not_grow_with_the_results(self) -> None:
        make_referral(email="", last_name="Ashby")
        self.sign_in(self.admin)
        results = self.client.post(FIND, {"q": "Ashby"})["Location"]
        self.client.get(results)  # warm the session and content types
        # session, user with roles and device, count, page, service settings, and
        # the audit event
        with self.assertNumQueries(5 + AUDIT_WRITE):
            self.client.get(results)
        for n in range(30):
            make_referral(email="", first_name=f"Person{n}", last_name="Ashby")
        with self.assertNumQueries(5 + AUDIT_WRITE):
            response = self.client.get(results + "&page=2")
        self.assertEqual(len(response.context["page"].object_list), 6)
        self.assertContains(response, "search=")
        self.assertContains(response, "page=1")


class SearchTermsTests(SearchingTestCase):
    """What was typed is posted, never put in a URL (nor so in a log line or history)."""

    def setUp(self) -> None:
        make_referral(email="", nhs_number=NHS_NUMBER)
        self.sign_in(self.admin)

    def test_the_results_page_address_holds_no_search_term(self) -> None:
        posted = self.client.post(FIND, {"q": "Robin Testwell"})
        self.assertEqual(posted.status_code, 302)
        self.assertNotIn("Robin", posted["Location"])
        self.assertNotIn("Testwell", posted["Location"])
        page = self.client.get(posted["Location"])
        self.assertContains(page, "1 record found")
        self.assertContains(page, 'value="Robin Testwell"')  # the box keeps what was typed
        self.assertContains(page, 'method="post"')

    def test_the_terms_are_not_kept_readable_in_the_session(self) -> None:
        self.client.post(FIND, {"q": NHS_NUMBER})
        self.assertNotIn(NHS_NUMBER, str(dict(self.client.session)))

    def test_a_search_in_the_address_bar_or_a_forgotten_one_searches_nothing(self) -> None:
        for query in ({"q": "Testwell"}, {"search": "not-a-kept-search"}):
            page = self.client.get(FIND, query)
            self.assertContains(page, "Find a patient")
            self.assertNotContains(page, 'data-testid="result-count"')

    def test_another_persons_search_does_not_open_in_this_session(self) -> None:
        results = self.client.post(FIND, {"q": "Testwell"})["Location"]
        other = Client()
        sign_in(other, make_user("admin2", Role.ADMINISTRATOR))
        self.assertNotContains(other.get(results), 'data-testid="result-count"')


class PatientPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.referral = make_referral(email="", nhs_number=NHS_NUMBER)
        assert self.referral.patient is not None
        self.patient = self.referral.patient
        self.url = detail_url(self.patient.public_id)

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_clinicians_and_managers_are_refused(self) -> None:
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 403, user.username)
            self.assertNotContains(response, "Testwell", status_code=403)
        self.assertFalse(AuditEvent.objects.by_action("patient.viewed").exists())

    def test_an_unknown_patient_is_not_found(self) -> None:
        self.sign_in(self.admin)
        self.assertEqual(self.client.get(detail_url(uuid.uuid4())).status_code, 404)

    def test_administrators_see_the_record_consents_referrals_and_downloads(self) -> None:
        record_consent(
            actor=self.admin, patient=self.patient, kind="gp_contact", given=False, note="Asked"
        )
        self.sign_in(self.admin)
        response = self.client.get(self.url)
        self.assertContains(response, "<h1>Robin Testwell</h1>", html=True)
        self.assertContains(response, "943 476 5919")
        self.assertContains(response, self.referral.reference)
        self.assertContains(
            response, reverse("patients:export_pdf", kwargs={"public_id": self.patient.public_id})
        )
        self.assertContains(
            response, reverse("patients:export_json", kwargs={"public_id": self.patient.public_id})
        )
        self.assertContains(
            response, reverse("patients:erase", kwargs={"public_id": self.referral.public_id})
        )
        current = response.context["current"]
        self.assertEqual(
            {c.kind: c.given for c in current}, {"referral": True, "gp_contact": False}
        )
        self.assertEqual(response.context["history"][0].note, "Asked")

    def test_each_look_is_audited(self) -> None:
        self.sign_in(self.admin)
        self.client.get(self.url)
        event = AuditEvent.objects.by_action("patient.viewed").get()
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.object_id, str(self.patient.public_id))

    def test_a_referral_on_a_waiting_list_offers_no_erasure(self) -> None:
        from interplay.referrals.models import Referral

        Referral.objects.filter(pk=self.referral.pk).update(status="waiting")
        self.sign_in(self.admin)
        response = self.client.get(self.url)
        self.assertNotContains(
            response, reverse("patients:erase", kwargs={"public_id": self.referral.public_id})
        )

    def test_only_get_is_answered(self) -> None:
        self.sign_in(self.admin)
        self.assertEqual(self.client.post(self.url).status_code, 405)

"""Triage pages: permission ladders, forms with messages beside fields, constant queries."""

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.referrals.models import Referral, ReferralStatus
from interplay.test import (
    AUDIT_WRITE,
    BaseTestCase,
    give_hours,
    make_clinician,
    make_referral,
    qualify,
)
from interplay.triage import services
from interplay.triage.models import Outcome

S = ReferralStatus
RISK = {n: (1 if n == 9 else 0) for n in range(1, 10)}


def offered(actor: object, modality: str = "ipt", days_ago: int = 0, **details: Any) -> Referral:
    referral = make_referral(
        email="", received_at=timezone.now() - dt.timedelta(days=days_ago), **details
    )
    services.save_assessment(
        actor=actor,
        referral=referral,
        urgency="routine",
        suitable_for=[modality],
        relational_focus=modality == "dit",
    )
    services.decide(actor=actor, referral=referral, outcome=f"offer_{modality}")
    referral.refresh_from_db()
    return referral


class LadderTests(BaseTestCase):
    def test_each_page_refuses_roles_without_triage_work(self) -> None:
        referral = make_referral(email="")
        urls = [
            reverse("triage:referral", args=[referral.public_id]),
            reverse("triage:allocate", args=[referral.public_id]),
            reverse("triage:capacity"),
            reverse("waiting_list:index"),
            reverse("waiting_list:modality", args=["dit"]),
        ]
        for url in urls:
            self.client.logout()
            self.assertEqual(self.client.get(url).status_code, 302, url)
            for user in (self.therapist, self.manager, self.admin):
                self.sign_in(user)
                self.assertEqual(self.client.get(url).status_code, 403, (url, user))
            for user in (self.triage, self.supervisor):
                self.sign_in(user)
                self.assertEqual(self.client.get(url).status_code, 200, (url, user))

    def test_an_unknown_referral_or_modality_is_not_found(self) -> None:
        self.sign_in(self.triage)
        missing = "00000000-0000-4000-8000-000000000000"
        self.assertEqual(
            self.client.get(reverse("triage:referral", args=[missing])).status_code, 404
        )
        url = reverse("waiting_list:modality", args=["cbt"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_form_posts_refuse_get(self) -> None:
        referral = make_referral(email="")
        self.sign_in(self.triage)
        for name in ("assessment", "contact", "decision", "withdraw"):
            url = reverse(f"triage:{name}", args=[referral.public_id])
            self.assertEqual(self.client.get(url).status_code, 405, name)


class TriagePageTests(BaseTestCase):
    def setUp(self) -> None:
        self.referral = make_referral(email="")
        self.sign_in(self.triage)
        self.page = reverse("triage:referral", args=[self.referral.public_id])

    def test_opening_the_triage_page_is_audited(self) -> None:
        self.assertContains(self.client.get(self.page), "Robin Testwell")
        event = AuditEvent.objects.by_action("referral.viewed").get()
        self.assertEqual(event.detail, {"page": "triage"})

    def test_a_dit_suitability_without_the_relational_focus_is_explained_beside_it(self) -> None:
        url = reverse("triage:assessment", args=[self.referral.public_id])
        response = self.client.post(
            url, {"urgency": "routine", "suitable_for": ["dit"], "risk_to_self": "None voiced."}
        )
        self.assertContains(response, 'id="id_relational_focus-error"', status_code=400)
        self.assertContains(response, "None voiced.", status_code=400)

    def test_the_decision_form_names_what_is_missing(self) -> None:
        url = reverse("triage:decision", args=[self.referral.public_id])
        response = self.client.post(url, {"decision-outcome": "signpost"})
        self.assertContains(response, "Say where you are signposting", status_code=400)
        response = self.client.post(url, {"decision-outcome": "offer_dit"})
        self.assertContains(response, "suitable for Dynamic", status_code=409)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, S.RECEIVED)  # the refusal changed nothing

    def test_the_full_path_to_a_waiting_list(self) -> None:
        self.client.post(
            reverse("triage:assessment", args=[self.referral.public_id]),
            {"urgency": "soon", "suitable_for": ["ipt"], "presenting_problem": "Grief."},
        )
        self.client.post(
            reverse("triage:contact", args=[self.referral.public_id]),
            {
                "contact-method": "phone",
                "contact-outcome": "reached",
                "contact-note": "Screening call done.",
            },
        )
        response = self.client.post(
            reverse("triage:decision", args=[self.referral.public_id]),
            {"decision-outcome": "offer_ipt"},
        )
        self.assertRedirects(response, self.page)
        page = self.client.get(self.page)
        self.assertContains(page, "Offer IPT")
        self.assertContains(page, "An offer of talking therapy")
        self.assertContains(page, "Screening call done.")
        self.assertContains(page, "Allocate a therapist")


class StartingFromWhatIsKnownTests(BaseTestCase):
    """The triage page starts from the referral: its answers beside the assessment, and
    the urgency it arrived with."""

    def page_of(self, referral: Referral) -> Any:
        self.sign_in(self.triage)
        return self.client.get(reverse("triage:referral", args=[referral.public_id]))

    def test_an_urgent_referral_opens_with_urgency_set_to_urgent(self) -> None:
        response = self.page_of(make_referral(phq9=RISK))
        self.assertEqual(response.context["assessment_form"]["urgency"].value(), "urgent")
        self.assertContains(response, 'name="urgency" type="radio" value="urgent" checked')

    def test_a_routine_referral_opens_as_routine(self) -> None:
        response = self.page_of(make_referral())
        self.assertContains(response, 'name="urgency" type="radio" value="routine" checked')

    def test_a_saved_assessment_keeps_its_own_urgency(self) -> None:
        referral = make_referral(phq9=RISK)
        services.save_assessment(actor=self.triage, referral=referral, urgency="soon")
        response = self.page_of(referral)
        self.assertContains(response, 'name="urgency" type="radio" value="soon" checked')

    def test_their_answers_are_beside_the_assessment(self) -> None:
        response = self.page_of(make_referral(phq9=RISK, phone="+447700900123"))
        told = response.content.decode().split('data-testid="told-us"')[1].split("</dl>")[0]
        for answer in ("I have felt low since my father died.", "Grief or loss", "07700 900123"):
            self.assertIn(answer, told)
        self.assertIn("Question 9: Several days", told)
        self.assertNotIn("+447700900123", response.content.decode())

    def test_an_urgent_referral_shows_how_long_it_has_waited(self) -> None:
        referral = make_referral(phq9=RISK, received_at=timezone.now() - dt.timedelta(hours=3))
        self.assertContains(self.page_of(referral), "Urgent, waiting 3 hours")


class WaitingListTests(BaseTestCase):
    # At a fixed midday: "40 days ago" in hours crosses a local date boundary late in the
    # evening when the span includes the October clock change, so the days waited (counted
    # in local dates, as the service counts them) would depend on when the test runs.
    @time_machine.travel("2026-11-25 12:00 +00:00", tick=False)
    def test_it_shows_honest_clocks_and_warnings(self) -> None:
        offered(self.triage, "dit", days_ago=40, first_name="Nearly")
        offered(self.triage, "dit", days_ago=3, first_name="Recent", nhs_number="9434765919")
        offered(
            self.triage, "ipt", days_ago=50, first_name="Other", date_of_birth=dt.date(1980, 1, 1)
        )
        self.sign_in(self.triage)
        response = self.client.get(reverse("waiting_list:modality", args=["dit"]))
        rows = [referral.first_name for referral, _ in response.context["rows"]]
        self.assertEqual(rows, ["Nearly", "Recent"])
        self.assertContains(response, "6-week standard soon")
        self.assertContains(response, "2 days left")

    def test_the_query_count_does_not_grow_with_the_list(self) -> None:
        offered(self.triage, "ipt", days_ago=5)
        self.sign_in(self.triage)
        url = reverse("waiting_list:modality", args=["ipt"])
        self.client.get(url)
        with self.assertNumQueries(6 + AUDIT_WRITE):
            self.client.get(url)
        for n in range(5):
            offered(self.triage, "ipt", days_ago=n, date_of_birth=dt.date(1970 + n, 1, 1))
        with self.assertNumQueries(6 + AUDIT_WRITE):
            self.client.get(url)


class AllocatePageTests(BaseTestCase):
    def test_only_qualified_therapists_are_offered_and_allocation_works(self) -> None:
        ipt_only = make_clinician("ivy", Role.THERAPIST, caseload_capacity=4)
        qualify(ipt_only, "ipt")
        dit = make_clinician("dara", Role.THERAPIST, hours=200, caseload_capacity=4)
        qualify(dit, "dit")
        give_hours(dit, (2, "17:00", "20:00"))
        referral = offered(self.triage, "dit", available_times=["weekday_evening"])
        self.sign_in(self.triage)
        url = reverse("triage:allocate", args=[referral.public_id])
        page = self.client.get(url)
        self.assertContains(page, "Allocate to Dara")
        self.assertNotContains(page, "Allocate to Ivy")
        self.assertContains(page, "Weekday evenings")
        refused = self.client.post(url, {"therapist": str(ipt_only.public_id)})
        self.assertContains(refused, "not qualified", status_code=409)
        done = self.client.post(url, {"therapist": str(dit.public_id)})
        self.assertRedirects(done, reverse("triage:referral", args=[referral.public_id]))
        referral.refresh_from_db()
        self.assertEqual(referral.status, S.ALLOCATED)
        self.assertEqual(Outcome(referral.decision.outcome), Outcome.OFFER_DIT)

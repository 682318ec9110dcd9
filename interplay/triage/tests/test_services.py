"""Triage services: every legal and illegal move, letters, and allocation."""

import datetime as dt
import importlib
import random
import re
import threading
from unittest import mock

from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.letters.models import Letter
from interplay.letters.tests import pdf_text
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.referrals.models import Referral, ReferralStatus
from interplay.test import (
    BaseTestCase,
    give_hours,
    make_clinician,
    make_referral,
    make_user,
    qualify,
)
from interplay.triage import rules, services
from interplay.triage.models import Allocation, Outcome

S = ReferralStatus


def assess(actor: object, referral: Referral, *suitable: str, **extra: object) -> None:
    services.save_assessment(
        actor=actor,
        referral=referral,
        urgency="routine",
        suitable_for=list(suitable),
        relational_focus="dit" in suitable,
        risk_to_self="No current thoughts of harm.",
        **extra,
    )


class AssessmentTests(BaseTestCase):
    def test_assessing_starts_triage_and_audits_coded_values_only(self) -> None:
        referral = make_referral()
        assess(self.triage, referral, "ipt", exclusions=["substance"])
        referral.refresh_from_db()
        self.assertEqual(referral.status, S.IN_TRIAGE)
        self.assertEqual(referral.assessment.risk_to_self, "No current thoughts of harm.")
        event = AuditEvent.objects.by_action("triage.assessed").get()
        self.assertEqual(
            event.detail,
            {"urgency": "routine", "suitable_for": ["ipt"]},
        )
        self.assertNotIn("thoughts", str(event.detail))
        moved = AuditEvent.objects.by_action("referral.status_changed").get()
        self.assertEqual(
            moved.detail, {"from": "received", "to": "in_triage", "why": "triage started"}
        )

    def test_therapists_may_not_triage(self) -> None:
        with self.assertRaises(PermissionDenied):
            assess(self.therapist, make_referral(), "ipt")


class DecisionTests(BaseTestCase):
    def test_an_offer_puts_the_person_on_the_waiting_list_with_letters(self) -> None:
        referral = make_referral()
        assess(self.triage, referral, "dit")
        decision = services.decide(actor=self.triage, referral=referral, outcome=Outcome.OFFER_DIT)
        referral.refresh_from_db()
        self.assertEqual((referral.status, decision.modality), (S.WAITING, "dit"))
        # The waiting list it joins is kept on the referral, which the lists are read by.
        self.assertEqual(referral.offered_modality, "dit")
        letters = Letter.objects.filter(referral=referral).order_by("recipient_role")
        self.assertEqual([letter.recipient_role for letter in letters], ["gp", "patient"])
        self.assertIn("Dynamic Interpersonal Therapy", pdf_text(bytes(letters[1].pdf)))
        self.assertIn("Robin Testwell", letters[0].subject)
        self.assertTrue(letters[1].pdf.startswith(b"%PDF"))
        # The patient gave an email address: their letter is emailed, the GP's is not.
        self.assertEqual([m.to for m in mail.outbox[1:]], [["robin@example.org"]])

    def test_no_gp_letter_without_consent(self) -> None:
        referral = make_referral(consent_to_gp_contact=False, email="")
        assess(self.triage, referral, "ipt")
        services.decide(actor=self.triage, referral=referral, outcome=Outcome.OFFER_IPT)
        roles = list(
            Letter.objects.filter(referral=referral).values_list("recipient_role", flat=True)
        )
        self.assertEqual(roles, ["patient"])

    def test_an_offer_needs_the_assessment_to_say_it_suits(self) -> None:
        referral = make_referral()
        with self.assertRaisesMessage(RuleViolation, "suitable for Dynamic"):
            services.decide(actor=self.triage, referral=referral, outcome=Outcome.OFFER_DIT)
        assess(self.triage, referral, "ipt")
        with self.assertRaises(RuleViolation):
            services.decide(actor=self.triage, referral=referral, outcome=Outcome.OFFER_DIT)
        referral.refresh_from_db()
        self.assertEqual(referral.status, S.IN_TRIAGE)
        self.assertFalse(Letter.objects.exists())

    def test_closing_outcomes_close_the_referral(self) -> None:
        for outcome, status, extra in [
            (Outcome.SIGNPOST, S.SIGNPOSTED, {"signposted_to": "Citizens Advice"}),
            (Outcome.REFER_ON, S.REFERRED_ON, {"reason": "Needs the community team."}),
            (Outcome.DECLINE, S.DECLINED, {"reason": "Primary alcohol problem."}),
            (Outcome.WITHDRAWN, S.WITHDRAWN, {}),
        ]:
            referral = make_referral(email="")
            services.decide(actor=self.triage, referral=referral, outcome=outcome, **extra)
            referral.refresh_from_db()
            self.assertEqual((referral.status, referral.offered_modality), (status, ""), outcome)

    def test_referrals_offered_before_the_upgrade_join_their_waiting_lists(self) -> None:
        # The data migration that stored the modality offered on each referral decided
        # before it existed: without it, those people would vanish from the lists.
        migration = importlib.import_module(
            "interplay.triage.migrations.0008_offered_modality_on_referral"
        )
        offered, signposted, untriaged = make_referral(), make_referral(email=""), make_referral()
        assess(self.triage, offered, "dit")
        services.decide(actor=self.triage, referral=offered, outcome=Outcome.OFFER_DIT)
        services.decide(
            actor=self.triage, referral=signposted, outcome=Outcome.SIGNPOST, signposted_to="x"
        )
        Referral.objects.update(offered_modality="")
        migration.copy_offered_modality(apps, None)
        self.assertEqual(
            dict(Referral.objects.values_list("pk", "offered_modality")),
            {offered.pk: "dit", signposted.pk: "", untriaged.pk: ""},
        )

    def test_decline_and_signpost_need_their_details(self) -> None:
        referral = make_referral()
        with self.assertRaisesMessage(RuleViolation, "reason"):
            services.decide(actor=self.triage, referral=referral, outcome=Outcome.DECLINE)
        with self.assertRaisesMessage(RuleViolation, "signposted to"):
            services.decide(actor=self.triage, referral=referral, outcome=Outcome.SIGNPOST)

    def test_a_referral_is_decided_once(self) -> None:
        referral = make_referral(email="")
        services.decide(actor=self.triage, referral=referral, outcome=Outcome.WITHDRAWN)
        with self.assertRaisesMessage(RuleViolation, "already been decided"):
            services.decide(
                actor=self.triage, referral=referral, outcome=Outcome.SIGNPOST, signposted_to="x"
            )

    def test_the_legal_transitions(self) -> None:
        legal = {
            (S.RECEIVED, S.IN_TRIAGE),
            (S.RECEIVED, S.WITHDRAWN),
            (S.IN_TRIAGE, S.WAITING),
            (S.IN_TRIAGE, S.SIGNPOSTED),
            (S.IN_TRIAGE, S.DECLINED),
            (S.IN_TRIAGE, S.REFERRED_ON),
            (S.IN_TRIAGE, S.WITHDRAWN),
            (S.WAITING, S.ALLOCATED),
            (S.WAITING, S.WITHDRAWN),
            (S.ALLOCATED, S.IN_TREATMENT),
            (S.ALLOCATED, S.WAITING),
            (S.ALLOCATED, S.WITHDRAWN),
            (S.IN_TREATMENT, S.DISCHARGED),
        }
        referral = make_referral(email="")
        for start in S.values:
            referral.status = start
            for to in S.values:
                if (start, to) in legal:
                    referral.check_transition(to)
                else:
                    with self.assertRaises(RuleViolation):
                        referral.check_transition(to)


class ContactTests(BaseTestCase):
    def test_two_failed_attempts_send_one_not_contactable_letter(self) -> None:
        referral = make_referral(email="")
        for outcome in ("no_answer", "message_left", "no_answer"):
            services.log_contact_attempt(
                actor=self.triage, referral=referral, method="phone", outcome=outcome
            )
        letters = Letter.objects.filter(referral=referral, kind="not_contactable")
        self.assertEqual(letters.count(), 1)
        self.assertIn("not been able to reach you", pdf_text(bytes(letters.get().pdf)))
        self.assertEqual(referral.contact_attempts.count(), 3)

    def test_reaching_the_person_resets_the_count(self) -> None:
        referral = make_referral(email="")
        for outcome in ("no_answer", "reached", "no_answer"):
            services.log_contact_attempt(
                actor=self.triage, referral=referral, method="phone", outcome=outcome
            )
        self.assertFalse(Letter.objects.filter(kind="not_contactable").exists())


class AllocationTests(BaseTestCase):
    def setUp(self) -> None:
        self.ipt_only = make_clinician("ivy", Role.THERAPIST, hours=0, caseload_capacity=3)
        qualify(self.ipt_only, "ipt")
        give_hours(self.ipt_only, (0, "09:00", "17:00"))
        self.dit = make_clinician("dara", Role.THERAPIST, hours=300, caseload_capacity=1)
        qualify(self.dit, "ipt", "dit")
        give_hours(self.dit, (1, "09:00", "12:00"))
        self.referral = make_referral(available_times=["weekday_morning"], email="")
        assess(self.triage, self.referral, "dit")
        services.decide(actor=self.triage, referral=self.referral, outcome=Outcome.OFFER_DIT)
        mail.outbox = []

    def test_only_dit_qualified_therapists_are_suggested_for_dit(self) -> None:
        names = [s.candidate.name for s in services.suggestions_for(self.referral)]
        self.assertEqual(names, ["Dara"])

    def test_allocating_tells_the_therapist_without_clinical_content(self) -> None:
        allocation = services.allocate(
            actor=self.triage, referral=self.referral, therapist=self.dit
        )
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, S.ALLOCATED)
        message = self.only_email()
        self.assertEqual(message.to, ["dara@example.org"])
        self.assertNotIn("Testwell", message.body + self.html_of(message))
        allocation.refresh_from_db()
        self.assertIsNotNone(allocation.therapist_told_at)

    def test_an_ipt_only_therapist_cannot_be_given_a_dit_patient(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "not qualified"):
            services.allocate(actor=self.triage, referral=self.referral, therapist=self.ipt_only)

    def test_a_full_caseload_takes_no_more(self) -> None:
        services.allocate(actor=self.triage, referral=self.referral, therapist=self.dit)
        other = make_referral(
            available_times=["weekday_morning"], email="", nhs_number="9434765919"
        )
        assess(self.triage, other, "dit")
        services.decide(actor=self.triage, referral=other, outcome=Outcome.OFFER_DIT)
        self.assertEqual(services.suggestions_for(other), [])
        with self.assertRaisesMessage(RuleViolation, "caseload is full"):
            services.allocate(actor=self.triage, referral=other, therapist=self.dit)

    def test_capacity_freed_shows_the_next_person_that_therapist_can_take(self) -> None:
        board = dict((c.name, p) for c, p in services.capacity_board(self.triage))
        self.assertEqual(board["Dara"], self.referral)
        self.assertIsNone(board["Ivy"])
        # The page names the list the person waits on, from the modality offered.
        self.sign_in(self.triage)
        page = self.client.get(reverse("triage:capacity"))
        self.assertContains(page, "(Dynamic Interpersonal Therapy (DIT)")

    def test_withdrawing_an_allocated_person_frees_the_place(self) -> None:
        services.allocate(actor=self.triage, referral=self.referral, therapist=self.dit)
        services.withdraw(actor=self.triage, referral=self.referral, reason="patient_request")
        self.assertFalse(Allocation.objects.active().exists())
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, S.WITHDRAWN)


class CapacityBoardTests(BaseTestCase):
    """The board reads the people waiting a slice at a time, and gives what
    ``rules.next_for`` gives over everyone."""

    TIMES = ("weekday_morning", "weekday_afternoon", "weekday_evening")

    def setUp(self) -> None:
        self.therapists = []
        for name, modalities, hours, capacity in (
            ("ada", ("ipt",), (0, "09:00", "12:00"), 5),
            ("bo", ("ipt", "dit"), (1, "13:00", "17:00"), 5),
            ("cy", ("dit",), (2, "17:00", "20:00"), 5),
            ("di", ("ipt", "dit"), (3, "09:00", "20:00"), 5),
            ("ed", ("ipt",), (4, "09:00", "17:00"), 0),  # full: nobody
        ):
            therapist = make_clinician(name, Role.THERAPIST, hours=300, caseload_capacity=capacity)
            qualify(therapist, *modalities)
            give_hours(therapist, hours)
            self.therapists.append(therapist)

    def waiting(self, count: int, seed: int, *, days: int) -> list[Referral]:
        """People waiting, made fast: a referral, then the fields the board reads."""
        rng = random.Random(seed)
        start = timezone.now() - dt.timedelta(days=days + 1)
        made = []
        for number in range(count):
            referral = make_referral(email="", last_name=f"Waiting{number}")
            Referral.objects.filter(pk=referral.pk).update(
                status=S.WAITING,
                offered_modality=rng.choice(["ipt", "dit"]),
                urgent=rng.random() < 0.2,
                # Several on one day: the id decides between them.
                received_at=start + dt.timedelta(days=rng.randrange(days), minutes=number),
                available_times=rng.sample(self.TIMES, rng.randint(1, 2)),
            )
            made.append(referral)
        return made

    def expected(self) -> dict[str, Referral | None]:
        """The board as it was made before: every person waiting, through next_for."""
        everyone = list(Referral.objects.filter(status=S.WAITING))
        queue = [
            rules.Waiting(
                key=r.public_id,
                modality=r.offered_modality,
                urgent=r.urgent,
                referred_on=timezone.localtime(r.received_at).date(),
                times=frozenset(r.available_times),
            )
            for r in everyone
        ]
        by_key = {r.public_id: r for r in everyone}
        board = {}
        for candidate in services.candidates():
            found = rules.next_for(candidate, queue)
            board[candidate.name] = by_key[found.key] if found else None
        return board

    def board(self) -> dict[str, Referral | None]:
        return {c.name: person for c, person in services.capacity_board(self.triage)}

    def test_read_a_slice_at_a_time_it_matches_next_for_over_everyone(self) -> None:
        self.waiting(40, seed=7, days=6)
        expected = self.expected()
        self.assertIsNone(expected["Ed"])
        self.assertGreaterEqual(sum(p is not None for p in expected.values()), 3)
        for first in (1, 3, 1000):
            with (
                self.subTest(first_read=first),
                mock.patch.object(services, "BOARD_FIRST_READ", first),
            ):
                self.assertEqual(self.board(), expected)

    def test_it_stops_reading_once_every_therapist_has_their_next(self) -> None:
        made = self.waiting(40, seed=3, days=40)
        # Someone at the front of the queue whom every therapist with a place can take.
        Referral.objects.filter(pk=made[0].pk).update(
            urgent=True, offered_modality="ipt", available_times=list(self.TIMES)
        )
        qualify(self.therapists[2], "ipt")
        with (
            mock.patch.object(services, "BOARD_FIRST_READ", 3),
            CaptureQueriesContext(connection) as seen,
        ):
            board = self.board()
        self.assertEqual({board[name] for name in ("Ada", "Bo", "Cy", "Di")}, {made[0]})
        reads = [q["sql"] for q in seen.captured_queries if '"referrals_referral"' in q["sql"]]
        slices, records = [q for q in reads if "LIMIT" in q], [q for q in reads if "LIMIT" not in q]
        # The first three: the urgent person, then people past their urgency; not all 40
        # (three at a time, then twice as many each time, is four reads).
        asked = [int(re.search(r"LIMIT (\d+)", sql).group(1)) for sql in slices]  # type: ignore[union-attr]
        self.assertEqual(asked, [3])
        # Then the one person found, read as a record (names and all), not the others.
        self.assertEqual(len(records), 1)
        self.assertNotIn('"first_name"', " ".join(slices))

    def test_of_two_on_the_same_day_the_smaller_id_comes_first_whoever_came_first(self) -> None:
        morning, evening = self.waiting(2, seed=1, days=1)
        day = timezone.now() - dt.timedelta(days=3)
        for referral, at, public_id in (
            (morning, day.replace(hour=9), "ffffffff-0000-4000-8000-000000000000"),
            (evening, day.replace(hour=18), "00000000-0000-4000-8000-000000000000"),
        ):
            Referral.objects.filter(pk=referral.pk).update(
                urgent=False,
                offered_modality="ipt",
                received_at=at,
                available_times=["weekday_morning"],
                public_id=public_id,
            )
        evening.refresh_from_db()
        for first in (1, 1000):
            with (
                self.subTest(first_read=first),
                mock.patch.object(services, "BOARD_FIRST_READ", first),
            ):
                self.assertEqual(self.board()["Ada"], evening)

    def test_with_nobody_waiting_every_therapist_has_nobody(self) -> None:
        self.assertEqual(set(self.board().values()), {None})


class ConcurrentAllocationTests(TransactionTestCase):
    def test_two_allocators_cannot_overfill_one_caseload(self) -> None:
        triage = make_user("triage", Role.TRIAGE)
        dit = make_clinician("dara", Role.THERAPIST, hours=300, caseload_capacity=1)
        qualify(dit, "dit")
        referrals = []
        for n in range(3):
            referral = make_referral(email="", first_name=f"Person{n}")
            assess(triage, referral, "dit")
            services.decide(actor=triage, referral=referral, outcome=Outcome.OFFER_DIT)
            referrals.append(referral)
        outcomes: list[str] = []

        def allocate(referral: Referral) -> None:
            try:
                services.allocate(actor=triage, referral=referral, therapist=dit)
                outcomes.append("allocated")
            except RuleViolation:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=allocate, args=(r,)) for r in referrals]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(outcomes), ["allocated", "refused", "refused"])
        self.assertEqual(Allocation.objects.active().count(), 1)

"""Retention: records of closed referrals are anonymised N years after the last contact."""

import datetime as dt
from io import StringIO
from typing import Any

import time_machine
from django.core.management import call_command

from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Course, CourseTask
from interplay.encounters.models import Addendum, SessionRecord
from interplay.formulation.models import Focus, InventoryEntry, LifeEvent
from interplay.letters.models import Letter
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring.models import RiskAlert
from interplay.patients import access, retention, subject_access
from interplay.patients.models import Consent, Patient, PatientAuthenticator, SignInLink
from interplay.patients.services import RetentionRun, apply_retention, record_consent
from interplay.patients.tests import AFTER_THE_COURSE, course_history
from interplay.progress.models import BetweenSessionTask, CourseLetter, EndingReview, Problem
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, course_for, make_letter, make_referral
from interplay.triage import services as triaging
from interplay.triage.models import ContactAttempt, TriageAssessment, TriageDecision

UTC = dt.UTC
LONG_AGO = dt.datetime(2015, 3, 2, 10, tzinfo=UTC)
RECENTLY = dt.datetime(2022, 6, 1, 10, tzinfo=UTC)
NOW = dt.datetime(2026, 11, 25, 12, tzinfo=UTC)


class RetentionTests(BaseTestCase):
    def declined_at(self, when: dt.datetime, **person: Any) -> Referral:
        """A referral assessed, contacted and declined at ``when``, with a letter of our own."""
        with time_machine.travel(when, tick=False):
            referral = make_referral(
                main_difficulties="Private words", relationships_affected="My sister", **person
            )
            triaging.save_assessment(
                actor=self.triage, referral=referral, risk_to_self="Private risk note"
            )
            triaging.log_contact_attempt(
                actor=self.triage,
                referral=referral,
                method="phone",
                outcome="reached",
                note="Private contact note",
            )
            triaging.decide(
                actor=self.triage, referral=referral, outcome="decline", reason="Private reason"
            )
            make_letter(referral=referral, body="Private letter words")
        referral.refresh_from_db()
        return referral

    def setUp(self) -> None:
        self.expired = self.declined_at(LONG_AGO, nhs_number="9434765919")
        self.recent = self.declined_at(RECENTLY, first_name="Sam", last_name="Recent")
        with time_machine.travel(LONG_AGO, tick=False):
            self.open = make_referral(first_name="Olu", last_name="Waiting")
        Referral.objects.filter(pk=self.open.pk).update(status="waiting")

    def run_at(self, when: dt.datetime = NOW, *, dry_run: bool = False) -> RetentionRun:
        with time_machine.travel(when, tick=False):
            return apply_retention(dry_run=dry_run)

    @property
    def expired_patient(self) -> Patient:
        assert self.expired.patient is not None
        return self.expired.patient

    def test_a_dry_run_changes_nothing(self) -> None:
        before = list(Patient.objects.values().order_by("pk"))
        audit = AuditEvent.objects.count()
        run = self.run_at(dry_run=True)
        self.assertEqual(
            (run.patients, run.referrals, run.letters, run.dry_run),
            (1, 1, 3, True),
        )
        self.assertEqual(list(Patient.objects.values().order_by("pk")), before)
        self.assertEqual(AuditEvent.objects.count(), audit)
        self.assertEqual(sum(1 for letter in Letter.objects.all() if letter.body), 6)

    def test_only_people_past_the_period_are_anonymised(self) -> None:
        run = self.run_at()
        self.assertEqual(run.patients, 1)
        people: dict[int | None, Patient] = {p.pk: p for p in Patient.objects.all()}
        gone = people[self.expired.patient_id]
        self.assertEqual((gone.first_name, gone.last_name), ("Anonymised", "Anonymised"))
        self.assertIsNotNone(gone.anonymised_at)
        for kept in (self.recent.patient_id, self.open.patient_id):
            self.assertNotEqual(people[kept].last_name, "Anonymised")
            self.assertIsNone(people[kept].anonymised_at)
        self.assertEqual(Referral.objects.get(pk=self.recent.pk).main_difficulties, "Private words")

    def test_identity_goes_from_the_patient_and_the_referral_alike(self) -> None:
        self.run_at()
        for person in (
            Patient.objects.get(pk=self.expired_patient.pk),
            Referral.objects.get(pk=self.expired.pk),
        ):
            with self.subTest(record=type(person).__name__):
                self.assertEqual(person.first_name, "Anonymised")
                self.assertEqual(person.date_of_birth, dt.date(1990, 1, 1))
                self.assertEqual(person.postcode, "LS6")
                for blank in ("nhs_number", "phone", "email", "address_line_1", "gp_address"):
                    self.assertEqual(getattr(person, blank), "", blank)
                self.assertEqual(person.gp_practice, "Park Lane Surgery")

    def test_free_text_goes_and_coded_data_stays(self) -> None:
        self.run_at()
        referral = Referral.objects.get(pk=self.expired.pk)
        self.assertEqual((referral.main_difficulties, referral.relationships_affected), ("", ""))
        self.assertEqual(
            (referral.status, referral.duration, referral.problem_areas),
            ("declined", "3m_1y", ["low_mood", "grief"]),
        )
        self.assertEqual(referral.received_at, LONG_AGO)
        self.assertEqual(TriageAssessment.objects.get(referral=referral).risk_to_self, "")
        self.assertEqual(ContactAttempt.objects.get(referral=referral).note, "")
        decision = TriageDecision.objects.get(referral=referral)
        self.assertEqual((decision.reason, decision.outcome), ("", "decline"))
        for letter in Letter.objects.filter(referral=referral):
            self.assertEqual((letter.body, bytes(letter.pdf), letter.subject), ("", b"", ""))
            self.assertEqual(letter.recipient_name, "Anonymised")
        scores = QuestionnaireResponse.objects.filter(referral=referral)
        self.assertEqual(sorted(r.total for r in scores), [0, 0])
        self.assertTrue(all(r.answers for r in scores))
        kept = Letter.objects.filter(referral=self.recent)
        self.assertEqual(sum(1 for letter in kept if letter.body and letter.pdf), 3)

    def test_each_person_is_audited_by_the_service_itself(self) -> None:
        self.run_at()
        event = AuditEvent.objects.by_action("patient.anonymised").get()
        self.assertEqual((event.actor, event.actor_label), (None, "public"))
        patient = Patient.objects.get(pk=self.expired_patient.pk)
        self.assertEqual(event.object_id, str(patient.public_id))
        self.assertEqual(
            event.detail, {"retention_years": 8, "referrals": 1, "letters": 3, "courses": 0}
        )

    def test_a_second_run_finds_nothing_more(self) -> None:
        self.run_at()
        again = self.run_at()
        self.assertEqual(again.patients, 0)
        self.assertEqual(AuditEvent.objects.by_action("patient.anonymised").count(), 1)

    def test_the_period_is_the_services_setting(self) -> None:
        settings = ServiceSettings.load()
        settings.retention_years = 3
        settings.save()
        run = self.run_at()
        self.assertEqual(run.patients, 2)
        self.assertEqual(Patient.objects.filter(anonymised_at__isnull=False).count(), 2)

    def test_later_contact_restarts_the_clock(self) -> None:
        with time_machine.travel(RECENTLY, tick=False):
            record_consent(
                actor=self.admin, patient=self.expired_patient, kind="gp_contact", given=False
            )
        self.assertEqual(self.run_at().patients, 0)

    def test_a_new_referral_keeps_the_record(self) -> None:
        with time_machine.travel(RECENTLY, tick=False):
            again = make_referral(nhs_number="9434765919")
        self.assertEqual(again.patient_id, self.expired.patient_id)
        self.assertEqual(self.run_at().patients, 0)

    def test_consent_notes_are_blanked_but_the_answers_stay(self) -> None:
        with time_machine.travel(LONG_AGO, tick=False):
            record_consent(
                actor=self.admin,
                patient=self.expired_patient,
                kind="email_contact",
                given=False,
                note="Private consent note",
            )
        self.run_at()
        consents = Consent.objects.filter(patient=self.expired_patient)
        self.assertEqual({c.note for c in consents}, {""})
        self.assertEqual(consents.count(), 3)

    def test_the_command_prints_counts_and_a_dry_run_says_so(self) -> None:
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("apply_retention", "--dry-run", stdout=out)
        self.assertIn(
            "Retention: 8 years after the last contact (before 2018-11-25).", out.getvalue()
        )
        self.assertIn(
            "Would anonymise 1 person: 1 referral, 3 letters, 0 courses of therapy.", out.getvalue()
        )
        self.assertIn("Dry run: nothing was changed.", out.getvalue())
        self.assertFalse(Patient.objects.filter(anonymised_at__isnull=False).exists())
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("apply_retention", stdout=out)
        self.assertIn(
            "Anonymised 1 person: 1 referral, 3 letters, 0 courses of therapy.", out.getvalue()
        )


NINE_YEARS_ON = dt.datetime(2036, 3, 1, 12, tzinfo=UTC)


class CourseRetentionTests(BaseTestCase):
    """A finished course, its referral discharged: nine years on, the person is anonymised
    and so is every word of the course; another person seen since keeps theirs."""

    def setUp(self) -> None:
        self.course = course_history(self.therapist)
        self.kept = course_history(
            self.outsider,
            word="KEPT",
            first_name="Kim",
            last_name="Elsewhere",
            date_of_birth=dt.date(1984, 2, 3),
        )
        with time_machine.travel(dt.datetime(2035, 1, 5, tzinfo=UTC), tick=False):
            record_consent(
                actor=self.admin, patient=self.kept.patient, kind="gp_contact", given=True
            )
        patient = self.course.patient
        with time_machine.travel(AFTER_THE_COURSE, tick=False):
            access.issue_link(patient, expires_at=AFTER_THE_COURSE + dt.timedelta(hours=1))
        access.pending_authenticator(patient)

    def run_at(self, when: dt.datetime = NINE_YEARS_ON) -> RetentionRun:
        with time_machine.travel(when, tick=False):
            return apply_retention()

    def everything_about(self, patient: Patient) -> str:
        """The person's whole record, decrypted, as the subject access export has it."""
        patient.refresh_from_db()
        return subject_access.as_json(subject_access.document(patient)).decode()

    def test_a_discharged_referral_is_closed_and_the_person_is_anonymised(self) -> None:
        self.assertEqual(self.course.referral.status, "discharged")
        run = self.run_at()
        self.assertEqual(run.patients, 1)
        patient = Patient.objects.get(pk=self.course.patient_id)
        self.assertIsNotNone(patient.anonymised_at)
        self.assertIsNone(Patient.objects.get(pk=self.kept.patient_id).anonymised_at)
        self.assertEqual(run.courses, 1)
        event = AuditEvent.objects.by_action("patient.anonymised").get()
        self.assertEqual(event.detail["courses"], 1)

    def test_every_word_of_the_course_goes(self) -> None:
        self.assertIn("CANARY-SESSION-NOTE", self.everything_about(self.course.patient))
        self.run_at()
        text = self.everything_about(self.course.patient)
        self.assertNotIn("CANARY", text)
        self.assertNotIn("Sam", text)
        record = SessionRecord.objects.get(appointment__course=self.course, appointment__number=1)
        self.assertEqual(
            (record.notes, record.risk_notes, record.between_session_task), ("", "", "")
        )
        self.assertEqual(Addendum.objects.get(record=record).text, "")
        course = Course.objects.get(pk=self.course.pk)
        self.assertEqual((course.end_reason, course.video_link), ("", ""))
        entry = InventoryEntry.objects.get(course=self.course)
        self.assertEqual((entry.name, entry.feelings, entry.contact), ("Anonymised", "", ""))
        for revision in entry.revisions.all():
            self.assertEqual(revision.values["name"], "Anonymised")
            self.assertEqual(revision.values["feelings"], "")
        focus = Focus.objects.get(course=self.course)
        self.assertEqual((focus.rationale, focus.formulation), ("", ""))
        (version,) = focus.revisions.all()
        self.assertEqual(version.values["people"][0]["name"], "Anonymised")
        self.assertEqual(version.values["formulation"], "")
        self.assertEqual(LifeEvent.objects.get(course=self.course).description, "")
        self.assertEqual(Problem.objects.get(course=self.course).description, "")
        task = BetweenSessionTask.objects.get(course=self.course)
        self.assertEqual((task.text, task.patient_note, task.review), ("", "", ""))
        self.assertEqual(EndingReview.objects.get(course=self.course).relapse_plan, "")
        self.assertEqual(CourseLetter.objects.get(course=self.course).draft, "")
        self.assertEqual(RiskAlert.objects.get(course=self.course).action_note, "")
        self.assertEqual(CourseTask.objects.get(course=self.course).outcome, "")
        for letter in Letter.objects.filter(referral=self.course.referral):
            self.assertEqual((letter.body, bytes(letter.pdf)), ("", b""))

    def test_coded_facts_dates_and_scores_stay_for_the_figures(self) -> None:
        self.run_at()
        course = Course.objects.get(pk=self.course.pk)
        self.assertEqual(
            (course.status, course.modality, course.start_date, course.planned_sessions),
            ("completed", "ipt", dt.date(2026, 9, 7), 16),
        )
        self.assertEqual(course.ended_at, AFTER_THE_COURSE)
        self.assertEqual(
            list(course.appointments.order_by("number").values_list("status", flat=True))[:3],
            ["attended", "attended", "dna"],
        )
        response = QuestionnaireResponse.objects.get(course=course)
        self.assertEqual((response.total, response.risk_flagged), (17, True))
        self.assertEqual(response.answer(9), 1)
        problem = Problem.objects.get(course=course)
        self.assertEqual(problem.kind, "problem")
        self.assertEqual([r.score for r in problem.ratings.all()], [8, 4])
        record = SessionRecord.objects.get(appointment__course=course, appointment__number=1)
        self.assertEqual((record.risk_checked, record.signed_at), (True, AFTER_THE_COURSE))
        entry = InventoryEntry.objects.get(course=course)
        self.assertEqual((entry.relationship, entry.ring, entry.times_changed), ("sibling", 1, 1))
        self.assertEqual(Focus.objects.get(course=course).problem_area, "grief")
        event = LifeEvent.objects.get(course=course)
        self.assertEqual((event.year, event.month, event.mood_change), (2025, 3, "worse"))
        alert = RiskAlert.objects.get(course=course)
        self.assertEqual((alert.kind, alert.acknowledged_at), ("risk_answer", AFTER_THE_COURSE))

    def test_sign_in_links_and_the_authenticator_go(self) -> None:
        patient = self.course.patient
        self.assertTrue(SignInLink.objects.filter(patient=patient).exists())
        self.run_at()
        self.assertFalse(SignInLink.objects.filter(patient=patient).exists())
        self.assertFalse(PatientAuthenticator.objects.filter(patient=patient).exists())

    def test_another_persons_course_is_untouched(self) -> None:
        before = self.everything_about(self.kept.patient)
        self.run_at()
        after = self.everything_about(self.kept.patient)
        for canary in ("KEPT-SESSION-NOTE", "KEPT-PERSON Sam", "KEPT-FORMULATION", "KEPT-PROBLEM"):
            self.assertIn(canary, after)
        self.assertEqual(after.count("KEPT-"), before.count("KEPT-"))

    def test_a_course_still_running_keeps_the_record(self) -> None:
        with time_machine.travel(dt.datetime(2026, 8, 3, tzinfo=UTC), tick=False):
            running = course_for(
                self.therapist,
                first_name="Ola",
                last_name="Ongoing",
                date_of_birth=dt.date(1979, 6, 1),
            )
        self.assertEqual(running.referral.status, "in_treatment")
        self.run_at()
        self.assertIsNone(Patient.objects.get(pk=running.patient_id).anonymised_at)


class RetentionArithmeticTests(BaseTestCase):
    def test_outward_codes(self) -> None:
        for given, outward in [
            ("LS6 2AB", "LS6"),
            ("ls62ab", "LS6"),
            ("SW1A 1AA", "SW1A"),
            ("M1 1AE", "M1"),
            ("LS6", "LS6"),
            ("", ""),
        ]:
            with self.subTest(given=given):
                self.assertEqual(retention.outward_code(given), outward)

    def test_years_before_a_leap_day(self) -> None:
        leap = dt.datetime(2024, 2, 29, 12, tzinfo=UTC)
        self.assertEqual(retention.years_before(leap, 8), dt.datetime(2016, 2, 29, 12, tzinfo=UTC))
        self.assertEqual(retention.years_before(leap, 1), dt.datetime(2023, 2, 28, 12, tzinfo=UTC))

"""Instruments as stored, versioned definitions, and storing responses on them."""

import datetime as dt

from django.utils import timezone

from interplay.measures.instruments import BUILT_IN, GAD7, PHQ9, from_dict, to_dict
from interplay.measures.models import (
    DefinitionSource,
    InstrumentDefinition,
    QuestionnaireResponse,
)
from interplay.measures.services import UnknownInstrument, instrument, store_response
from interplay.measures.tests.helpers import answers_totalling
from interplay.test import BaseTestCase, make_referral


def phq9_v2() -> InstrumentDefinition:
    """A service's own second version of PHQ-9: a caseness cut-off of 12 (invented)."""
    data = to_dict(PHQ9) | {"version": "2", "caseness_threshold": 12}
    return InstrumentDefinition.objects.create(
        code="phq9", version="2", definition=data, source=DefinitionSource.FHIR_IMPORT
    )


class InstrumentTests(BaseTestCase):
    def test_the_built_ins_are_seeded_as_stored_definitions(self) -> None:
        rows = InstrumentDefinition.objects.filter(source=DefinitionSource.BUILT_IN)
        self.assertEqual(sorted((r.code, r.version) for r in rows), [("gad7", "1"), ("phq9", "1")])
        self.assertEqual(rows.get(code="phq9").instrument(), PHQ9)
        self.assertEqual(instrument("gad7"), GAD7)

    def test_no_version_means_the_latest_active_one(self) -> None:
        phq9_v2()
        self.assertEqual(instrument("phq9").version, "2")
        self.assertEqual(instrument("phq9", "1"), PHQ9)
        InstrumentDefinition.objects.filter(code="phq9", version="2").update(active=False)
        self.assertEqual(instrument("phq9").version, "1")
        # A retired version still resolves by name, for responses answered on it.
        self.assertEqual(instrument("phq9", "2").caseness_threshold, 12)

    def test_an_unknown_instrument_or_version_is_refused(self) -> None:
        with self.assertRaises(UnknownInstrument):
            instrument("wsas")
        with self.assertRaises(UnknownInstrument):
            instrument("phq9", "9")

    def test_the_built_ins_answer_when_nothing_is_stored(self) -> None:
        InstrumentDefinition.objects.all().delete()
        self.assertEqual(instrument("phq9"), PHQ9)
        self.assertEqual(BUILT_IN["gad7"], GAD7)

    def test_a_definition_that_would_score_wrongly_is_refused(self) -> None:
        broken = to_dict(GAD7) | {"bands": [{"low": 0, "high": 9, "label": "Low"}]}
        with self.assertRaisesRegex(ValueError, "bands must end at the highest total, 21"):
            from_dict(broken)
        with self.assertRaisesRegex(ValueError, "risk item"):
            from_dict(to_dict(GAD7) | {"risk_items": [8]})


class StoreResponseTests(BaseTestCase):
    def store(
        self, answers: dict[int, int | None], version: str | None = None
    ) -> QuestionnaireResponse:
        return store_response(
            instrument_code="phq9",
            answers=answers,
            source="paper",
            answered_at=timezone.now(),
            referral=make_referral(email=""),
            instrument_version=version,
        )

    def test_it_keeps_the_version_answered_and_scores_on_it(self) -> None:
        phq9_v2()
        response = self.store(answers_totalling(11, 9))
        self.assertEqual((response.instrument_version, response.total), ("2", 11))
        self.assertFalse(response.at_caseness)  # version 2's cut-off is 12
        older = self.store(answers_totalling(11, 9), version="1")
        self.assertEqual(older.instrument_version, "1")
        self.assertTrue(older.at_caseness)

    def test_a_total_is_stored_only_from_complete_answers(self) -> None:
        partial = self.store({**answers_totalling(18, 9), 4: None, 9: 2})
        partial.refresh_from_db()
        self.assertEqual(
            (partial.total, partial.complete, partial.band), (None, False, "Incomplete")
        )
        self.assertTrue(partial.risk_flagged)
        self.assertNotIn("4", partial.answers)  # kept as given: item 4 was not answered
        whole = self.store(answers_totalling(18, 9))
        self.assertEqual((whole.total, whole.complete, whole.band), (18, True, "Moderately severe"))

    def test_a_course_response_names_its_session(self) -> None:
        from interplay.measures.tests.helpers import course_with_scores
        from interplay.test import give_hours, qualify

        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        course = course_with_scores(self.therapist, [14, 9], [10, 6])
        responses = course.responses.order_by("answered_at", "instrument_code")
        self.assertEqual(
            [
                (r.appointment and r.appointment.number, r.instrument_code, r.total)
                for r in responses
            ],
            [(1, "gad7", 10), (1, "phq9", 14), (2, "gad7", 6), (2, "phq9", 9)],
        )
        self.assertEqual(responses[0].answered_at.date(), dt.date(2026, 12, 7))


class RetireTests(BaseTestCase):
    def test_retiring_a_version_makes_the_previous_one_latest_audited(self) -> None:
        from interplay.audit.models import AuditEvent
        from interplay.measures.services import set_instrument_active

        phq9_v2()
        row = set_instrument_active(actor=self.admin, code="phq9", version="2", active=False)
        self.assertFalse(row.active)
        self.assertEqual(instrument("phq9").version, "1")
        event = AuditEvent.objects.get(action="measures.instrument_retired")
        self.assertEqual(event.detail, {"code": "phq9", "version": "2"})
        set_instrument_active(actor=self.admin, code="phq9", version="2", active=True)
        self.assertEqual(instrument("phq9").version, "2")
        self.assertTrue(AuditEvent.objects.filter(action="measures.instrument_activated").exists())

    def test_the_last_version_in_use_cannot_be_retired(self) -> None:
        from interplay.lib.errors import PermissionDenied, RuleViolation
        from interplay.measures.services import set_instrument_active

        with self.assertRaisesRegex(RuleViolation, "only version in use"):
            set_instrument_active(actor=self.admin, code="gad7", version="1", active=False)
        with self.assertRaises(PermissionDenied):
            set_instrument_active(actor=self.supervisor, code="gad7", version="1", active=True)
        # With every stored version retired by hand, nothing answers: no silent built-in.
        InstrumentDefinition.objects.filter(code="gad7").update(active=False)
        with self.assertRaises(UnknownInstrument):
            instrument("gad7")

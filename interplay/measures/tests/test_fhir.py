"""Instruments out to FHIR R4B Questionnaires and back, directly and through the services."""

import copy
import json
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.measures import fhir
from interplay.measures.instruments import GAD7, PHQ9, Band, Instrument, Item
from interplay.measures.models import DefinitionSource, InstrumentDefinition
from interplay.measures.services import export_questionnaire, import_questionnaire, instrument
from interplay.test import BaseTestCase

# An invented licensed instrument: 0-8 anchors, no LOINC codes, no risk item.
SLEEP5 = Instrument(
    code="sleep5",
    version="2024.1",
    name="Sleep-5 (invented)",
    stem="Over the last week, how much has each been a problem?",
    items=tuple(Item(n, f"Sleep question {n}", "") for n in range(1, 6)),
    bands=(Band(0, 19, "Low"), Band(20, 40, "High")),
    caseness_threshold=20,
    reliable_change=8,
    loinc_panel="",
    loinc_total="",
    options=tuple((v, f"{v}", "") for v in range(9)),
    attribution="Copyright the invented authors. Used under licence.",
)


@pytest.mark.parametrize("built", [PHQ9, GAD7, SLEEP5], ids=lambda i: i.code)
def test_an_export_imports_back_to_the_same_instrument(built: Instrument) -> None:
    exported = fhir.to_questionnaire(built)
    Questionnaire.model_validate(exported)  # valid R4B
    assert fhir.from_questionnaire(json.dumps(exported)) == built


def test_the_export_carries_loinc_codes_scores_and_the_attribution() -> None:
    q = fhir.to_questionnaire(PHQ9)
    assert q["code"][0] == {"system": fhir.LOINC, "code": "44249-1", "display": "PHQ-9"}
    assert q["copyright"] == PHQ9.attribution
    questions = [i for i in q["item"] if i["type"] == "choice"]
    assert [i["code"][0]["code"] for i in questions][8] == "44260-8"
    option = questions[0]["answerOption"][3]["valueCoding"]
    assert (option["code"], option["display"]) == ("LA6571-9", "Nearly every day")
    assert option["extension"] == [{"url": fhir.ORDINAL_VALUE, "valueDecimal": 3}]
    assert questions[8]["extension"] == [{"url": fhir.EXT_RISK, "valueBoolean": True}]
    assert q["item"][-1]["code"][0]["code"] == "44261-6"


def test_an_r5_item_weight_is_read_as_the_score() -> None:
    q = fhir.to_questionnaire(GAD7)
    for item in q["item"]:
        for option in item.get("answerOption", []):
            weight = option["valueCoding"].pop("extension")[0]["valueDecimal"]
            option["extension"] = [{"url": fhir.ITEM_WEIGHT, "valueDecimal": weight}]
    assert fhir.from_questionnaire(q) == GAD7


def broken(change: Any) -> dict[str, Any]:
    q = copy.deepcopy(fhir.to_questionnaire(GAD7))
    change(q)
    return q


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff not json", "not JSON"),
        ('{"resourceType": "Patient"}', "not a FHIR Questionnaire"),
        (broken(lambda q: q.update(item="seven")), "not a valid FHIR R4B Questionnaire: item"),
        (broken(lambda q: q.update(extension=q["extension"][1:])), "instrument-code"),
        (
            broken(lambda q: q["item"][1]["answerOption"][0]["valueCoding"].pop("extension")),
            'The answer "Not at all" has no whole-number score',
        ),
        (broken(lambda q: q["item"][2]["answerOption"].pop()), "the same answers"),
        (broken(lambda q: q["extension"].pop()), "bands must end at the highest total, 21"),
        (broken(lambda q: q.update(version="1 / 2")), "version is 1 to 16"),
    ],
)
def test_a_file_interplay_cannot_score_is_refused_with_the_reason(
    content: Any, message: str
) -> None:
    with pytest.raises(fhir.QuestionnaireError, match=message):
        fhir.from_questionnaire(content)


class QuestionnaireServiceTests(BaseTestCase):
    def test_an_administrator_imports_a_licensed_instrument_audited(self) -> None:
        row = import_questionnaire(actor=self.admin, questionnaire=fhir.to_questionnaire(SLEEP5))
        self.assertEqual(
            (row.source, row.imported_by, row.active), ("fhir_import", self.admin, True)
        )
        self.assertEqual(instrument("sleep5"), SLEEP5)
        event = AuditEvent.objects.get(action="measures.instrument_imported")
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.object_id, str(row.public_id))
        self.assertEqual(event.detail, {"code": "sleep5", "version": "2024.1", "items": 5})

    def test_a_held_version_is_not_imported_twice(self) -> None:
        with self.assertRaisesRegex(RuleViolation, "PHQ-9 version 1 is already held"):
            import_questionnaire(actor=self.admin, questionnaire=fhir.to_questionnaire(PHQ9))
        self.assertEqual(InstrumentDefinition.objects.filter(code="phq9").count(), 1)
        self.assertFalse(AuditEvent.objects.filter(action="measures.instrument_imported").exists())

    def test_an_export_is_audited(self) -> None:
        q = export_questionnaire(actor=self.admin, code="gad7", version="1")
        self.assertEqual(q["title"], "GAD-7")
        row = InstrumentDefinition.objects.get(code="gad7")
        event = AuditEvent.objects.get(action="measures.instrument_exported")
        self.assertEqual(
            (event.object_id, event.detail), (str(row.public_id), {"code": "gad7", "version": "1"})
        )

    def test_only_an_administrator_imports_or_exports(self) -> None:
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            with self.assertRaises(PermissionDenied):
                import_questionnaire(actor=user, questionnaire=fhir.to_questionnaire(SLEEP5))
            with self.assertRaises(PermissionDenied):
                export_questionnaire(actor=user, code="phq9", version="1")
        self.assertFalse(InstrumentDefinition.objects.filter(code="sleep5").exists())
        self.assertFalse(
            InstrumentDefinition.objects.exclude(source=DefinitionSource.BUILT_IN).exists()
        )

"""Uploading an instrument as a FHIR Questionnaire."""

import json
from typing import Any

from django import forms

from interplay.forms import InterplayForm
from interplay.measures import fhir

MAX_BYTES = 512 * 1024  # a 40-item questionnaire is about 60 kB


class ImportQuestionnaireForm(InterplayForm):
    questionnaire = forms.FileField(
        label="FHIR Questionnaire (a .json file)",
        help_text="A FHIR R4 Questionnaire as Interplay exports one: each question's answers "
        "scored with the ordinalValue extension, and the caseness cut-off, reliable change "
        "and severity bands in Interplay's extensions. Import only an instrument your "
        "service holds a licence for.",
        widget=forms.FileInput(attrs={"accept": ".json,application/json,application/fhir+json"}),
        error_messages={"required": "Choose the Questionnaire file to import"},
    )

    def clean_questionnaire(self) -> dict[str, Any]:
        upload = self.cleaned_data["questionnaire"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 512 kB: is it a Questionnaire?")
        content = upload.read()
        try:
            self.instrument = fhir.from_questionnaire(content)
        except fhir.QuestionnaireError as error:
            raise forms.ValidationError(str(error)) from None
        parsed: dict[str, Any] = json.loads(content)
        return parsed


class ActiveForm(InterplayForm):
    """Put a version in use or retire it: each button's form carries its own value."""

    active = forms.TypedChoiceField(
        choices=[("1", "In use"), ("0", "Retired")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )

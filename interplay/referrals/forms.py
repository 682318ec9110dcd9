"""The public self-referral, in three steps: safety, eligibility, then the referral itself.

Every message says what to do, beside the field it is about (NHS.UK error message
pattern). Nothing typed is lost: an invalid form is shown again with every answer.
"""

import datetime as dt
from typing import Any

from django import forms
from localflavor.gb.forms import GBPostcodeField

from interplay.forms import DateField, InterplayForm, PhoneField
from interplay.lib import nhs_number
from interplay.lib.dates import age_on
from interplay.measures.instruments import DIFFICULTY_OPTIONS, DIFFICULTY_QUESTION, GAD7, PHQ9
from interplay.referrals.models import (
    AvailableTime,
    ContactMethod,
    Duration,
    ProblemArea,
    SubstanceUse,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, required_message: str, **kwargs: Any) -> forms.ChoiceField:
    field = forms.ChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
        **kwargs,
    )
    field.inline = True  # type: ignore[attr-defined]
    return field


class SafetyForm(InterplayForm):
    need_urgent_help = yes_no(
        "Do you need help urgently because you feel you might harm yourself or someone else, "
        "or you do not feel safe right now?",
        "Select yes if you need urgent help or do not feel safe right now",
    )
    need_urgent_help.legend_size = "m"  # type: ignore[attr-defined]


class EligibilityForm(InterplayForm):
    old_enough = yes_no("Are you aged {age} or over?", "Select yes if you are aged {age} or over")
    under_secondary_care = yes_no(
        "Are you currently under the care of a community mental health team, a crisis team "
        "or another specialist mental health service?",
        "Select yes if you are under the care of a specialist mental health service",
    )
    postcode = GBPostcodeField(
        label="Your postcode",
        help_text="We check that you live in the area we cover. For example, LS1 4AP",
        error_messages={
            "required": "Enter your postcode",
            "invalid": "Enter a real postcode, like LS1 4AP",
        },
    )

    def __init__(self, *args: Any, minimum_age: int, check_area: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["old_enough"]
        field.label = str(field.label).format(age=minimum_age)
        field.error_messages["required"] = field.error_messages["required"].format(age=minimum_age)
        if not check_area:
            del self.fields["postcode"]


def _choice(label: str, choices: Any, message: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": message},
        **kwargs,
    )


def _text(
    label: str, required: str | None = None, width: int | None = None, **kw: Any
) -> forms.CharField:
    field = forms.CharField(
        label=label,
        required=required is not None,
        error_messages={"required": required or ""},
        **kw,
    )
    if width:
        field.input_width = width  # type: ignore[attr-defined]
    return field


def _long_text(label: str, required: str | None = None, **kwargs: Any) -> forms.CharField:
    return _text(label, required, widget=forms.Textarea(attrs={"rows": 4}), **kwargs)


def questionnaire_fields(instrument: Any) -> dict[str, forms.ChoiceField]:
    fields = {}
    for item in instrument.items:
        field = _choice(
            item.text,
            [(str(value), label) for value, label, _ in instrument.options],
            f"Select how often you have been bothered by this ({instrument.name} question "
            f"{item.number})",
        )
        fields[f"{instrument.code}_{item.number}"] = field
    return fields


QuestionnaireFields = type(
    "QuestionnaireFields",
    (InterplayForm,),
    {
        **questionnaire_fields(PHQ9),
        "phq9_difficulty": _choice(
            DIFFICULTY_QUESTION,
            [(str(v), label) for v, label in DIFFICULTY_OPTIONS],
            "Select how difficult these problems have made things for you",
            required=False,
        ),
        **questionnaire_fields(GAD7),
    },
)

SECTIONS: dict[str, list[str]] = {
    "About you": [
        "first_name",
        "last_name",
        "date_of_birth",
        "nhs_number",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
    ],
    "How we contact you": [
        "phone",
        "email",
        "preferred_contact",
        "may_leave_message",
        "available_times",
        "interpreter_needed",
        "interpreter_language",
    ],
    "Your GP": ["gp_practice", "gp_address"],
    "What is happening for you": [
        "main_difficulties",
        "duration",
        "problem_areas",
        "relationships_affected",
        "hoped_change",
        "substance_use",
        "substance_detail",
        "other_services",
    ],
}


class ReferralForm(QuestionnaireFields):  # type: ignore[misc,valid-type]
    """Everything a triage clinician needs to decide what to offer."""

    # The page's order, so the error summary lists problems top to bottom.
    field_order = [
        "submission_token",
        *(name for names in SECTIONS.values() for name in names),
        *questionnaire_fields(PHQ9),
        "phq9_difficulty",
        *questionnaire_fields(GAD7),
        "consent_to_referral",
        "consent_to_gp_contact",
        "website",
    ]

    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    first_name = _text("First name", "Enter your first name", max_length=100)
    first_name.widget.attrs["autocomplete"] = "given-name"
    last_name = _text("Last name", "Enter your last name", max_length=100)
    last_name.widget.attrs["autocomplete"] = "family-name"
    date_of_birth = DateField(
        label="Date of birth",
        noun="date of birth",
        past=True,
        help_text="For example, 15 3 1984",
        error_messages={"required": "Enter your date of birth"},
    )
    date_of_birth.legend_size = "s"  # type: ignore[attr-defined]
    nhs_number = _text(
        "NHS number (optional)",
        width=10,
        max_length=14,
        help_text="This is a 10-digit number, like 943 476 5919. You can find it in the NHS App "
        "or on a letter from your GP. Leave it blank if you do not know it.",
    )
    nhs_number.widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})
    address_line_1 = _text("Address line 1", "Enter the first line of your address", max_length=200)
    address_line_1.widget.attrs["autocomplete"] = "address-line1"
    address_line_2 = _text("Address line 2 (optional)", max_length=200)
    address_line_2.widget.attrs["autocomplete"] = "address-line2"
    town = _text("Town or city", "Enter your town or city", max_length=100, width=20)
    town.widget.attrs["autocomplete"] = "address-level2"
    postcode = GBPostcodeField(
        label="Postcode",
        error_messages={
            "required": "Enter your postcode",
            "invalid": "Enter a real postcode, like LS1 4AP",
        },
    )
    postcode.input_width = 10
    postcode.widget.attrs["autocomplete"] = "postal-code"
    phone = PhoneField(
        label="Phone number",
        required=False,
        help_text="For example, 07700 900 982. Give us a phone number, an email address or both.",
    )
    phone.input_width = 20  # type: ignore[attr-defined]
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="We will send a confirmation here. We never email anything about your health.",
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    email.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
    preferred_contact = _choice(
        "How would you like us to contact you?",
        ContactMethod.choices,
        "Select how you would like us to contact you",
    )
    may_leave_message = yes_no(
        "Can we leave a message that says we are from the talking therapies service?",
        "Select yes if we can leave a message",
    )
    available_times = forms.MultipleChoiceField(
        label="When could you come to appointments?",
        help_text="Select all that apply. Sessions are weekly and last 50 minutes.",
        choices=AvailableTime.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one time you could come to appointments"},
    )
    interpreter_needed = yes_no(
        "Do you need an interpreter?", "Select yes if you need an interpreter"
    )
    interpreter_language = _text(
        "Which language? (if you need an interpreter)", max_length=100, width=20
    )
    gp_practice = _text("GP practice name", "Enter the name of your GP practice", max_length=200)
    gp_address = _text("GP practice address or town (optional)", max_length=300)

    main_difficulties = _long_text(
        "What is troubling you at the moment?",
        "Tell us what is troubling you at the moment",
        max_length=4000,
        help_text="In your own words. A few sentences is enough.",
    )
    duration = _choice(
        "How long have you been feeling like this?",
        Duration.choices,
        "Select how long you have been feeling like this",
    )
    problem_areas = forms.MultipleChoiceField(
        label="Which of these apply to you?",
        help_text="Select all that apply.",
        choices=ProblemArea.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one thing that applies to you"},
    )
    relationships_affected = _long_text(
        "Which relationships are affected, if any? (optional)",
        max_length=4000,
        help_text="For example, with a partner, a parent, friends or people at work.",
    )
    hoped_change = _long_text("What would you like to be different? (optional)", max_length=4000)
    substance_use = _choice(
        "Do you drink alcohol or use drugs?",
        SubstanceUse.choices,
        "Select whether you drink alcohol or use drugs",
    )
    substance_detail = _long_text("Tell us more about this (optional)", max_length=2000)
    other_services = _long_text(
        "Are you in contact with any other services for your mental health? (optional)",
        max_length=2000,
        help_text="For example, a counsellor, a charity, or your GP.",
    )

    consent_to_referral = forms.BooleanField(
        label="I agree to this referral and to the service keeping what I have told it",
        error_messages={"required": "You must agree to the referral so that we can help you"},
    )
    consent_to_gp_contact = forms.BooleanField(
        label="I agree that the service may contact my GP about my care",
        required=False,
        help_text="You can still be seen if you do not agree.",
    )

    website = forms.CharField(
        label="Leave this box empty. It helps us to stop automated spam.",
        required=False,
    )
    website.honeypot = True  # type: ignore[attr-defined]
    website.widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def __init__(self, *args: Any, minimum_age: int = 18, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minimum_age = minimum_age

    def clean_nhs_number(self) -> str:
        value = nhs_number.normalise(self.cleaned_data["nhs_number"])
        if value and not nhs_number.is_valid(value):
            raise forms.ValidationError(
                "Enter a valid NHS number. It is 10 digits, like 943 476 5919", code="invalid"
            )
        return value

    def clean_date_of_birth(self) -> dt.date:
        born: dt.date = self.cleaned_data["date_of_birth"]
        if age_on(born, dt.date.today()) < self.minimum_age:
            raise forms.ValidationError(
                f"You must be aged {self.minimum_age} or over to refer yourself", code="too_young"
            )
        return born

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError("Leave this box empty", code="honeypot")
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_a_way_to_reach(data)
        if data.get("interpreter_needed") == "yes" and not data.get("interpreter_language"):
            self.add_error("interpreter_language", "Enter the language you need an interpreter for")
        return data

    def _check_a_way_to_reach(self, data: dict[str, Any]) -> None:
        """A phone number or an email address, and the one for the way they prefer."""
        if self.has_error("phone") or self.has_error("email"):
            return
        phone, email = data.get("phone"), data.get("email")
        preferred = data.get("preferred_contact")
        if not phone and not email:
            self.add_error(
                "phone", "Enter a phone number or an email address, so that we can contact you"
            )
        elif preferred in (ContactMethod.PHONE, ContactMethod.TEXT) and not phone:
            self.add_error("phone", "Enter your phone number, or choose another way to contact you")
        elif preferred == ContactMethod.EMAIL and not email:
            self.add_error(
                "email", "Enter your email address, or choose another way to contact you"
            )

    def answers(self, instrument: Any) -> dict[int, int]:
        return {
            item.number: int(self.cleaned_data[f"{instrument.code}_{item.number}"])
            for item in instrument.items
        }

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The form's visible fields in the headed sections the page shows."""
        return [(title, [self[n] for n in names]) for title, names in SECTIONS.items()]

    def questionnaire(self, instrument: Any) -> list[forms.BoundField]:
        return [self[f"{instrument.code}_{item.number}"] for item in instrument.items]

    def questionnaire_blocks(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(PHQ9, self.questionnaire(PHQ9)), (GAD7, self.questionnaire(GAD7))]

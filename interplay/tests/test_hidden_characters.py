"""Input that can deceive: control characters and bidi overrides in what people type."""

import importlib
import pkgutil

import pytest
from django import forms
from django.urls import reverse

import interplay
from interplay.forms import (
    CleanTextMixin,
    refuse_deceptive_characters,
    without_deceptive_characters,
)
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, referral_form_data

REFUSED = [
    "Ann\r\nBcc: someone",
    "Ann\x00",
    "Ann\tLee",
    "Jo\u202eenoJ",  # right-to-left override: shows reversed
    "Jo\u202a",
    "Jo\u202c",
    "Jo\u2066x\u2069",
    "Jo\u2068",
]
ACCEPTED = ["Ann-Marie O'Neill", "Zoë Ng", "محمد", "José Núñez", "Jo (they/them)"]


@pytest.mark.parametrize("value", REFUSED)
def test_a_single_line_answer_with_hidden_characters_is_refused(value: str) -> None:
    with pytest.raises(forms.ValidationError, match="hidden characters"):
        refuse_deceptive_characters(value)


@pytest.mark.parametrize("value", ACCEPTED)
def test_ordinary_names_in_any_script_are_accepted(value: str) -> None:
    refuse_deceptive_characters(value)


def test_multi_line_text_keeps_its_line_breaks_and_loses_overrides() -> None:
    typed = "First line\r\nSecond\u202e line\n\tindented\u2066\x07"
    assert without_deceptive_characters(typed) == "First line\r\nSecond line\n\tindented"


def _interplay_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(interplay.__path__, "interplay."):
        kind = module.name.rsplit(".", 1)[-1]
        if ".tests" not in module.name and kind in ("forms", "views", "tasks"):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type[forms.BaseForm]] = [forms.BaseForm]
    while pending:
        sub: type[forms.BaseForm]
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("interplay.") and ".tests" not in sub.__module__:
                found.append(sub)
    return found


def test_every_form_interplay_shows_checks_for_hidden_characters() -> None:
    forms_found = _interplay_forms()
    assert len(forms_found) > 30
    # The sign-in form's only text is the username and a password; the admin's forms are
    # for administrators' configuration; the reset job re-reads an address already checked.
    exempt = {"SignInForm", "ServiceProtocolForm", "ClinicianProfileForm", "_ResetSender"}
    unchecked = [
        f"{form.__module__}.{form.__name__}"
        for form in forms_found
        if not issubclass(form, CleanTextMixin) and form.__name__ not in exempt
    ]
    assert unchecked == []


class ReferralHiddenCharacterTests(BaseTestCase):
    def test_a_name_with_an_override_is_refused_beside_the_field_and_nothing_is_lost(
        self,
    ) -> None:
        data = referral_form_data(first_name="Jo\u202eenoJ", main_difficulties="Low\u202e mood")
        response = self.client.post(reverse("referrals:details"), data)
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        self.assertIn("Remove the hidden characters", page)
        self.assertIn(data["last_name"], page)
        self.assertIn(data["town"], page)
        self.assertFalse(Referral.objects.exists())

    def test_multi_line_answers_are_kept_without_overrides(self) -> None:
        data = referral_form_data(main_difficulties="Low mood\r\nsince May\u202e")
        self.client.post(reverse("referrals:details"), data, follow=True)
        referral = Referral.objects.get()
        self.assertEqual(referral.main_difficulties, "Low mood\r\nsince May")

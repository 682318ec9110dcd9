"""Each form gets its own fields, as Django makes them, whatever Interplay shares to go faster."""

import copy
from typing import Any

from django import forms

from interplay.referrals.forms import ReferralForm
from interplay.test import BaseTestCase, referral_form_data


def _as_django_copies(form: forms.Form) -> forms.Form:
    """The same form with its fields deep-copied by Django's own ``Field.__deepcopy__``."""
    form.fields = copy.deepcopy(dict(type(form).base_fields))
    form.order_fields(form.field_order)
    return form


class FormCopyTests(BaseTestCase):
    def test_a_form_shows_what_it_showed_with_django_s_own_copies(self) -> None:
        data: Any = referral_form_data(first_name="", email="not an email", phq9_3="")
        for bound in (None, data):
            ours = ReferralForm(bound, minimum_age=18)
            django = _as_django_copies(ReferralForm(bound, minimum_age=18))
            self.assertEqual(list(ours.fields), list(django.fields))
            for name in ours.fields:
                self.assertHTMLEqual(str(ours[name]), str(django[name]), name)
            if bound is not None:
                self.assertEqual(ours.errors, django.errors)
                self.assertIn("first_name", ours.errors)
                self.assertIn("phq9_3", ours.errors)

    def test_changing_one_form_s_fields_changes_no_other_form(self) -> None:
        first, second = ReferralForm(minimum_age=18), ReferralForm(minimum_age=18)
        for name in ("first_name", "postcode", "duration", "available_times", "phq9_1"):
            field = first.fields[name]
            field.widget.attrs["data-changed"] = "yes"
            field.error_messages["required"] = "Changed"
            field.validators.append(lambda value: None)
            field.label = "Changed"
            other = second.fields[name]
            self.assertNotIn("data-changed", other.widget.attrs)
            self.assertNotEqual(other.error_messages.get("required"), "Changed")
            self.assertNotEqual(other.label, "Changed")
            self.assertEqual(len(other.validators), len(field.validators) - 1)
            self.assertNotIn("data-changed", ReferralForm.base_fields[name].widget.attrs)
        # A field given other choices has them alone.
        first.fields["duration"].choices = [("x", "X")]
        self.assertNotEqual(list(second.fields["duration"].choices), [("x", "X")])
        self.assertNotEqual(list(second["duration"].field.widget.choices), [("x", "X")])
        # The date's three boxes are each form's own too.
        first.fields["date_of_birth"].widget.widgets[0].attrs["data-changed"] = "yes"
        self.assertNotIn("data-changed", second.fields["date_of_birth"].widget.widgets[0].attrs)

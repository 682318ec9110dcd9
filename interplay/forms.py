"""Form rendering in the NHS.UK design system's markup, shared by every app.

Each field renders through ``templates/forms/field.html`` (label, hint, the error message
beside the field, the widget), and a form's errors through the error summary. The date
input asks day, month and year in three boxes, as the design system's date pattern does,
and keeps what was typed when the date is wrong.
"""

import copy
import datetime as dt
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from interplay.lib import phones


class NHSFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class LongSelect(forms.Select):
    """A select of many options (a large service's therapists), written here in one
    pass: the markup of ``templates/django/forms/widgets/select.html``, without building
    and rendering a context per option, which for two thousand therapists took a fifth
    of the service dashboard's time. Every value and label is escaped."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v in chosen else ""}>{escape(label)}'
            "</option>"
            for v, label in ((str(raw), label) for raw, label in self.choices)
        )
        final = self.build_attrs(self.attrs, attrs)
        markup = mark_safe(options)  # noqa: S308 (every value and label escaped above)
        return format_html("<select{}>{}</select>", flatatt({"name": name, **final}), markup)


class DateInputs(forms.MultiWidget):
    """Day, month and year as three text boxes (NHS.UK date input)."""

    template_name = "forms/widgets/date_inputs.html"
    parts = ("day", "month", "year")

    def __init__(self, attrs: dict[str, Any] | None = None, *, birthday: bool = False) -> None:
        widgets = [
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "autocomplete": f"bday-{part}" if birthday else "off",
                }
            )
            for part in self.parts
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.Field):
    """A date from three boxes, with the design system's specific error messages."""

    widget = DateInputs

    def __init__(self, *, noun: str = "date", past: bool = False, **kwargs: Any) -> None:
        self.noun = noun
        self.past = past
        kwargs.setdefault("widget", DateInputs(birthday="birth" in noun))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        parts = [str(v).strip() if v is not None else "" for v in (value or ["", "", ""])]
        if not any(parts):
            return None
        missing = [name for name, part in zip(DateInputs.parts, parts, strict=True) if not part]
        if missing:
            raise ValidationError(
                f"{self.noun.capitalize()} must include a {' and a '.join(missing)}",
                code="incomplete",
            )
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValidationError(
                f"{self.noun.capitalize()} must be a real date, with a 4-digit year",
                code="invalid",
            )
        day, month, year = (int(p) for p in parts)
        try:
            date = dt.date(year, month, day)
        except ValueError:
            raise ValidationError(
                f"{self.noun.capitalize()} must be a real date", code="invalid"
            ) from None
        if self.past and date >= dt.date.today():
            raise ValidationError(f"{self.noun.capitalize()} must be in the past", code="future")
        return date


# Characters that make text read differently from what is stored: the bidirectional
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) can reverse a name or
# hide part of it on screen, in a letter or in the audit viewer.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\t")


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def refuse_deceptive_characters(value: str) -> None:
    """A single-line answer refuses control characters (CR, LF, NUL, ...) and bidi overrides."""
    if isinstance(value, str) and any(is_control(c) or c in BIDI_CONTROLS for c in value):
        raise ValidationError(
            "Remove the hidden characters (such as a line break or a text-direction mark) "
            "from this answer",
            code="hidden_characters",
        )


def without_deceptive_characters(value: str) -> str:
    """Multi-line text keeps its line breaks and tabs, and loses bidi overrides and other
    control characters."""
    return "".join(
        c for c in value if c not in BIDI_CONTROLS and (c in LINE_BREAKS or not is_control(c))
    )


class CleanTextMixin:
    """Every text field of an Interplay form: single-line fields refuse hidden characters
    with a message beside the field; multi-line fields (a ``Textarea``) drop them."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.CharField) or isinstance(
                field.widget, forms.PasswordInput
            ):
                continue  # a password is checked against its hash, never shown
            if isinstance(field.widget, forms.Textarea):
                field.to_python = _stripping(field.to_python)  # type: ignore[method-assign]
            else:
                field.validators.append(refuse_deceptive_characters)


def _stripping(to_python: Any) -> Any:
    def clean(value: Any) -> Any:
        text = to_python(value)
        return without_deceptive_characters(text) if isinstance(text, str) else text

    return clean


class _FieldsToCopy(dict[str, forms.Field]):
    """A form class's fields, copied for each form as Django's ``Field.__deepcopy__`` copies
    them (the field and its widget, their attributes, error messages and validators), except
    their lists of choices, which every form of the class shares. Nothing changes such a
    list in place (a field given other choices is given a new list), and deep-copying their
    translatable labels was most of the cost of making a form with many radio questions.
    A field or widget with its own way of being copied is deep-copied as usual."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: _copy_field(field, memo) for name, field in self.items()}


_PLAIN_FIELD_COPIES = (forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__)
_PLAIN_WIDGET_COPIES = (forms.Widget.__deepcopy__, forms.widgets.ChoiceWidget.__deepcopy__)


def _shallow(obj: Any) -> Any:
    """``copy.copy`` of an object kept in its ``__dict__`` (fields and widgets), quicker."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _copy_field(field: forms.Field, memo: dict[int, Any]) -> forms.Field:
    if type(field).__deepcopy__ not in _PLAIN_FIELD_COPIES:
        return copy.deepcopy(field, memo)
    result = _shallow(field)
    memo[id(field)] = result
    widget = field.widget
    if type(widget).__deepcopy__ in _PLAIN_WIDGET_COPIES:
        result.widget = _shallow(widget)
        result.widget.attrs = widget.attrs.copy()
        memo[id(widget)] = result.widget
    else:
        result.widget = copy.deepcopy(widget, memo)
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    return result


class _SharedChoices(forms.forms.DeclarativeFieldsMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> type:
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = _FieldsToCopy(new_class.base_fields)  # type: ignore[attr-defined]
        return new_class


class InterplayForm(CleanTextMixin, forms.Form, metaclass=_SharedChoices):
    """The base of Interplay's forms."""


class InterplayModelForm(CleanTextMixin, forms.ModelForm):
    """The base of Interplay's model forms."""


class PhoneField(forms.CharField):
    """A phone number as people type it, cleaned to E.164 (``interplay.lib.phones``).

    The box keeps what was typed when the number is refused, and shows a stored number
    the way people write it (``07700 900982``), not as ``+447700900982``.
    """

    default_error_messages = {
        "invalid": f"Enter a phone number with its area code, like {phones.EXAMPLE}",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "tel", "type": "tel"})

    def prepare_value(self, value: Any) -> Any:
        # Only a stored E.164 number is reformatted; what a person typed is shown as typed.
        stored = isinstance(value, str) and value.startswith("+") and value[1:].isdigit()
        return phones.display(value) if stored else value

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        try:
            return phones.normalise(text)
        except phones.InvalidPhoneNumber:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

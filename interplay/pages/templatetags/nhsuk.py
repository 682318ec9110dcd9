"""Template filters that put Django form fields into NHS.UK design-system markup."""

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_INPUT_CLASS = {
    "textarea": "nhsuk-textarea",
    "select": "nhsuk-select",
    "longselect": "nhsuk-select",
}


@register.filter
def nhsuk_widget(field: BoundField) -> SafeString:
    """Render a single-input widget with the design system's classes and descriptions."""
    wt = field.widget_type
    classes = [_INPUT_CLASS.get(wt, "nhsuk-input")]
    width = getattr(field.field, "input_width", None)
    if width:
        classes.append(f"nhsuk-input--width-{width}")
    if field.errors:
        classes.append(f"{classes[0]}--error")
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    attrs: dict[str, Any] = {"class": " ".join(classes)}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def legend_size(field: BoundField) -> str:
    return getattr(field.field, "legend_size", "s")


@register.filter
def is_inline(field: BoundField) -> bool:
    return bool(getattr(field.field, "inline", False))


@register.filter
def is_honeypot(field: BoundField) -> bool:
    return bool(getattr(field.field, "honeypot", False))


@register.filter
def first_input_id(field: BoundField) -> str:
    """The id the error summary links to: the first box of a group, else the input."""
    if field.widget_type in {"radioselect", "checkboxselectmultiple", "dateinputs"}:
        return f"{field.auto_id}_0"
    return str(field.auto_id)

"""Template helpers for the audit pages."""

from typing import Any

from django import template

from interplay.lib import display

register = template.Library()


@register.filter
def detail_text(detail: Any) -> str:
    """An event's detail as a short line: ``key: value; key: a, b``. Escaped by the caller."""
    if not isinstance(detail, dict):
        return _value(detail)
    return "; ".join(f"{key}: {_value(value)}" for key, value in sorted(detail.items()))


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value(v)}" for k, v in sorted(value.items())) or "none"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    # Times, dates and phone numbers as people read them, not as JSON stores them.
    return display.readable(value)


@register.filter
def label_for(labels: Any, action: str) -> str:
    """The plain-words label for an action, or the action itself when there is none."""
    return str(labels.get(action, action)) if hasattr(labels, "get") else action

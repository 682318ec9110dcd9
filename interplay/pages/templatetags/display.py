"""Template filters that show values as people read them (``interplay.lib.display``).

Loaded in every template (a builtin in ``settings.TEMPLATES``): ``{{ at|when }}``,
``{{ born|day }}``, ``{{ alert.due_by|deadline:"D j M" }}``, ``{{ patient.phone|phone }}``,
``{{ note|or_not_given:"None" }}`` and ``{{ value|readable }}`` for a value whose type the
template does not know.
"""

from typing import Any

from django import template

from interplay.lib import display

register = template.Library()


@register.filter
def when(value: Any, empty: str = display.NOT_GIVEN) -> str:
    return display.when(value, empty)


@register.filter
def day(value: Any, empty: str = display.NOT_GIVEN) -> str:
    return display.day(value, empty)


@register.filter
def deadline(value: Any, day_format: str = display.DAY) -> str:
    return display.deadline(value, day_format)


@register.filter
def phone(value: Any, empty: str = display.NOT_GIVEN) -> str:
    return display.phone(value, empty)


@register.filter
def or_not_given(value: Any, empty: str = display.NOT_GIVEN) -> Any:
    return display.or_not_given(value, empty)


@register.filter
def readable(value: Any) -> str:
    return display.readable(value)

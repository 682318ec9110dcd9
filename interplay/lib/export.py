"""Helpers for writing records out as plain data (the subject access export).

Each app's ``export.py`` turns its own rows into dictionaries with these; none of them
queries the database.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from interplay.lib import phones
from interplay.lib.nhs_number import format_nhs_number


def coded(
    obj: models.Model,
    names: Iterable[str],
    lists: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Each field's stored value, and beside each coded one its wording (``_label(s)``)."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = list(value) if isinstance(value, list) else value
        choices = _choices(obj, name, lists or {})
        if choices and isinstance(value, list):
            out[f"{name}_labels"] = [choices.get(v, v) for v in value]
        elif choices:
            out[f"{name}_label"] = choices.get(str(value), value) if value is not None else None
    return out


def _choices(
    obj: models.Model, name: str, lists: Mapping[str, Mapping[str, str]]
) -> Mapping[str, str]:
    field = obj._meta.get_field(name)
    choices = getattr(field, "choices", None)
    if choices:
        return {str(k): str(v) for k, v in choices}
    return lists.get(name, {})


def person_name(user: Any) -> str | None:
    """A member of staff as the document names them."""
    return str(user) if user is not None else None


def session_number(appointment: Any) -> int | None:
    """The number of the session a row belongs to, if it belongs to one."""
    return appointment.number if appointment is not None else None


def rows(data: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(question, answer as a person reads it) for each field ``labels`` names."""
    return [(label, readable(data, name)) for name, label in labels.items()]


def readable(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if f"{name}_labels" in data:
        return ", ".join(data[f"{name}_labels"]) or "None"
    if f"{name}_label" in data:
        return str(data[f"{name}_label"] or "None")
    if name == "nhs_number" and value:
        return format_nhs_number(str(value))
    if name == "phone" and value:
        return phones.display(str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%-d %B %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    return str(value) if value not in (None, "") else "Not given"

from collections.abc import Iterable
from typing import Any

from django import template

from interplay.accounts.roles import Modality
from interplay.referrals.models import AvailableTime

register = template.Library()


@register.filter
def time_labels(values: Iterable[str]) -> list[str]:
    return [AvailableTime(v).label for v in sorted(values) if v in AvailableTime.values]


@register.filter
def modality_labels(values: Iterable[str]) -> list[str]:
    return [Modality(v).label for v in sorted(values) if v in Modality.values]


@register.filter
def list_with(first: Any, second: Any) -> list[Any]:
    """Build a list in a template: ``a|list_with:b|list_with:c``."""
    items = first if isinstance(first, list) else [first]
    return [*items, second]


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key, key) if hasattr(mapping, "get") else key

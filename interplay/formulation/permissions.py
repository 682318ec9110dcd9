"""Which formulation records a user may open: those of the courses they may open."""

from typing import Any

from interplay.courses.permissions import visible_courses
from interplay.formulation.models import InventoryEntry, InventoryEntryQuerySet


def visible_entries(user: Any) -> InventoryEntryQuerySet:
    """Inventory entries of the courses ``user`` may open; everything else answers 404."""
    return InventoryEntry.objects.filter(course__in=visible_courses(user))

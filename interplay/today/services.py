"""Changes the first screens make: the screen a person with several roles starts on."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from interplay.audit.services import record
from interplay.lib.errors import PermissionDenied
from interplay.today.landing import FIRST_SCREENS
from interplay.today.models import FirstScreenChoice


@transaction.atomic
def choose_first_screen(*, actor: Any, role: str) -> FirstScreenChoice:
    """Remember that ``actor`` starts the day on the screen of ``role``, one of their own
    roles (anyone else's screen is refused). Audited as ``today.first_screen_chosen``."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to choose where you start.")
    if role not in FIRST_SCREENS or not actor.has_role(role):
        raise PermissionDenied("You can start only on a screen of one of your own roles.")
    choice, _ = FirstScreenChoice.objects.update_or_create(
        user=actor, defaults={"role": role, "chosen_at": timezone.now()}
    )
    record(actor=actor, action="today.first_screen_chosen", detail={"role": role})
    return choice

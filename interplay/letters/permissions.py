"""Who may see which letters."""

from typing import Any

from interplay.accounts.permissions import Action, can
from interplay.letters.models import Letter, LetterQuerySet


def visible_letters(user: Any) -> LetterQuerySet:
    """Triage clinicians and supervisors see every letter; everyone else none (yet).

    Therapists will see their own patients' letters once allocation exists.
    """
    if can(user, Action.VIEW_LETTER):
        return Letter.objects.all()
    return Letter.objects.none()

"""Where each member of staff starts the day: one first screen per role, written once.

A person with several roles starts on the one they chose (``FirstScreenChoice``), else
on the first of theirs in this order: the day's clinical work before oversight.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from interplay.accounts.roles import Role

# Role -> (the screen's name, its URL name).
FIRST_SCREENS: dict[Role, tuple[str, str]] = {
    Role.THERAPIST: ("My day", "today:therapist"),
    Role.TRIAGE: ("Triage day", "today:triage"),
    Role.SUPERVISOR: ("Supervision", "supervision:index"),
    Role.SERVICE_MANAGER: ("Service dashboard", "reports:dashboard"),
    Role.ADMINISTRATOR: ("Administrator's day", "today:administrator"),
}


@dataclass(frozen=True)
class Screen:
    role: Role
    name: str
    url: str


def screens_for(user: Any) -> list[Screen]:
    """The first screens ``user``'s roles open, in the order above (no query beyond the
    user's roles, which are read once per request)."""
    return [
        Screen(role, name, reverse(target))
        for role, (name, target) in FIRST_SCREENS.items()
        if user.has_role(role)
    ]


def first_screen(user: Any) -> Screen | None:
    """The screen ``user`` starts on: the one they chose while they still hold its role,
    else their first; None for someone with no staff role."""
    from interplay.today.models import FirstScreenChoice

    screens = screens_for(user)
    chosen = FirstScreenChoice.objects.filter(user=user).values_list("role", flat=True).first()
    return next((s for s in screens if s.role == chosen), screens[0] if screens else None)

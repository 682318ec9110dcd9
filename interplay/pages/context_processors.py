from typing import Any

from django.http import HttpRequest

from interplay.accounts.permissions import Action, can


def staff_links(request: HttpRequest) -> dict[str, Any]:
    """Which staff pages the signed-in person's roles open, for the header."""
    user = getattr(request, "user", None)
    return {
        "staff_links": {
            "triage_queue": can(user, Action.VIEW_TRIAGE_QUEUE),
            "admin": can(user, Action.MANAGE_USERS),
        }
    }

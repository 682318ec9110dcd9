from typing import Any

from django.http import HttpRequest

from interplay.accounts.permissions import Action, can
from interplay.today.landing import screens_for


def staff_links(request: HttpRequest) -> dict[str, Any]:
    """Which staff pages the signed-in person's roles open, once past the second factor."""
    user: Any = getattr(request, "user", None)
    verified = bool(user is not None and getattr(user, "is_verified", lambda: False)())
    screens = len(screens_for(user)) if verified else 0
    return {
        "staff_links": {
            # "Today" goes home, which sends a member of staff on to their first screen.
            "today": screens > 0,
            "screens": screens > 1,
            "caseload": verified and can(user, Action.RUN_COURSE),
            "calendar": verified and can(user, Action.RUN_COURSE),
            "alerts": verified and can(user, Action.VIEW_ALERTS),
            "supervision": verified and can(user, Action.SUPERVISE),
            "groups": verified and can(user, Action.VIEW_GROUPS),
            "triage_queue": verified and can(user, Action.VIEW_TRIAGE_QUEUE),
            "waiting_list": verified and can(user, Action.VIEW_WAITING_LIST),
            "admin": verified and can(user, Action.MANAGE_USERS),
            "audit": verified and can(user, Action.VIEW_AUDIT),
            "patients": verified and can(user, Action.MANAGE_RECORDS),
            "settings": verified and can(user, Action.CONFIGURE_SERVICE),
            "reports": verified and can(user, Action.VIEW_SERVICE_FIGURES),
            "staff_hours": verified and can(user, Action.MANAGE_WORKING_HOURS),
            "my_hours": verified and can(user, Action.KEEP_OWN_HOURS),
            "tokens": verified,
        }
    }

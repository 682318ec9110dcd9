import functools
from typing import Any

from django.http import HttpRequest

from interplay.accounts.permissions import Action, can
from interplay.today.landing import screens_for

# The header's links (base.html, {% staff_nav %}) and what else templates ask of
# ``staff_links``, each with the action that opens it.
LINK_ACTIONS: dict[str, Action] = {
    "caseload": Action.RUN_COURSE,
    "calendar": Action.RUN_COURSE,
    "alerts": Action.VIEW_ALERTS,
    "supervision": Action.SUPERVISE,
    "groups": Action.VIEW_GROUPS,
    "triage_queue": Action.VIEW_TRIAGE_QUEUE,
    "waiting_list": Action.VIEW_WAITING_LIST,
    "admin": Action.MANAGE_USERS,
    "audit": Action.VIEW_AUDIT,
    "patients": Action.MANAGE_RECORDS,
    "settings": Action.CONFIGURE_SERVICE,
    "reports": Action.VIEW_SERVICE_FIGURES,
    "staff_hours": Action.MANAGE_WORKING_HOURS,
    "my_hours": Action.KEEP_OWN_HOURS,
}
NONE_OPEN: dict[str, bool] = {
    "today": False,
    "screens": False,
    **dict.fromkeys(LINK_ACTIONS, False),
    "tokens": False,
}


class _Holder:
    """Someone signed in past the second factor holding exactly ``roles``: what ``can``
    and ``screens_for`` read of a user."""

    is_authenticated = True

    def __init__(self, roles: frozenset[str]) -> None:
        self.roles = roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@functools.lru_cache(maxsize=256)
def _open_to(roles: frozenset[str]) -> dict[str, bool]:
    """The links ``roles`` open: the same for everyone holding them, so worked out once
    per set of roles in a process, not on every page."""
    holder = _Holder(roles)
    screens = len(screens_for(holder))
    return {
        # "Today" goes home, which sends a member of staff on to their first screen.
        "today": screens > 0,
        "screens": screens > 1,
        **{name: can(holder, action) for name, action in LINK_ACTIONS.items()},
        "tokens": True,
    }


def _roles(user: Any) -> frozenset[str] | None:
    """The roles ``user.has_role`` answers for, if it reads them the usual way."""
    from interplay.accounts.models import User

    # request.user is a lazy object: its __class__ is the class of the user it holds.
    if not isinstance(user, User) or user.__class__.has_role is not User.has_role:
        return None
    return user.roles if user.is_active else frozenset()


def staff_links(request: HttpRequest) -> dict[str, Any]:
    """Which staff pages the signed-in person's roles open, once past the second factor."""
    user: Any = getattr(request, "user", None)
    verified = bool(user is not None and getattr(user, "is_verified", lambda: False)())
    if not verified:
        return {"staff_links": dict(NONE_OPEN)}
    roles = _roles(user)
    if roles is None:  # anything else that says which roles it holds: ask it
        screens = len(screens_for(user))
        links = {
            "today": screens > 0,
            "screens": screens > 1,
            **{name: can(user, action) for name, action in LINK_ACTIONS.items()},
            "tokens": True,
        }
        return {"staff_links": links}
    return {"staff_links": dict(_open_to(roles))}

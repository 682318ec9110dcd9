"""Who an audit event names when the actor is not a signed-in member of staff.

``record`` names staff by username and everyone else "public". A patient signed in to
the portal, and the system acting on its own (a scheduled job, a retention sweep), are
neither: they carry an ``audit_label`` and ``record`` writes that instead.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PatientActor:
    """A patient acting through the portal, for audit and for the services' checks."""

    patient: Any
    is_authenticated: bool = False

    @property
    def audit_label(self) -> str:
        return f"patient:{self.patient.public_id}"


@dataclass(frozen=True)
class SystemActor:
    """Interplay itself: a scheduled job or a management command, named by ``job``."""

    job: str
    is_authenticated: bool = False

    @property
    def audit_label(self) -> str:
        return f"system:{self.job}"


def act_as(request: Any, actor: Any) -> None:
    """Name who is acting in this request when it is not ``request.user`` (a patient in
    the portal), so what the request leads to (a refusal) is audited under their name."""
    request.interplay_actor = actor


def acting(request: Any) -> Any:
    """Who is signed in and acting in this request, or None for the public."""
    actor = getattr(request, "interplay_actor", None)
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None

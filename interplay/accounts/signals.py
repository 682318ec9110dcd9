"""Sign-in and sign-out are audited wherever they happen (login page, admin, API)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from interplay.audit.services import record


@receiver(user_logged_in)
def audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(actor=user, action="auth.signed_in", obj=user)


@receiver(user_logged_out)
def audit_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor=user, action="auth.signed_out", obj=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The username typed is kept to spot guessing; the password never is.
    record(
        actor=None,
        action="auth.sign_in_failed",
        detail={"username": str(credentials.get("username", ""))[:150]},
    )

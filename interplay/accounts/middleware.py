"""Sessions and responses: sign staff out after a spell without activity (ASVS session
timeouts), and let no browser or proxy keep a copy of any page."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from interplay.accounts import backends, drafts
from interplay.accounts.models import AuthenticatorApp, User, role_names
from interplay.lib.prepared import Prepared

LAST_SEEN = "interplay_last_seen"
# Write the session at most this often: an idle clock does not need a write per request.
TOUCH_EVERY_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.IDLE_TIMEOUT_SECONDS:
                return self.sign_out(request)
            if last_seen is None or now - last_seen > TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def sign_out(self, request: HttpRequest) -> HttpResponse:
        minutes = settings.IDLE_TIMEOUT_SECONDS // 60
        back_to = request.get_full_path()
        kept = ""
        if request.method == "POST" and isinstance(request.user, User):
            # Never lose what someone was writing: keep it, encrypted, for their return.
            back_to = drafts.keep(request, request.user)
            kept = " What you were writing has been kept and will be back in the form."
        logout(request)
        messages.info(
            request,
            f"You were signed out after {minutes} minutes without activity. "
            f"Sign in again to carry on.{kept}",
        )
        return redirect_to_login(back_to)


# The device a session's second factor was passed with, read on every signed-in request
# together with its user and their roles (one statement, compiled once, where there were
# three: the user, the roles, the device), and without its key (a decryption, and needed
# only to check a code, which reads the device afresh). Read from the row as django-otp
# reads it otherwise.
_DEVICE = Prepared(
    AuthenticatorApp,
    lambda device: (
        AuthenticatorApp.objects.filter(id=device)
        .select_related("user")
        .annotate(role_names=role_names("user_id"))
        .defer("key")
        .order_by("pk")[:1]
    ),
    device="id",
)
_AUTHENTICATOR_APP = AuthenticatorApp._meta.label_lower


class SecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``, the device on
    ``request.user.otp_device``), reading an authenticator app device by a compiled
    query without its key, with its user and their roles; any other kind of device as
    django-otp does.

    The user is still Django's to decide (``auth.get_user``: the session's user id,
    backend and password hash); the backend takes the user read with the device only when
    it is that user, and django-otp keeps the device only when it is that user's."""

    def _verify_user_sync(self, request: Any, user: Any) -> Any:
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        device = self._device_from_persistent_id(persistent_id) if persistent_id else None
        read = device.user if isinstance(device, AuthenticatorApp) else None
        if read is not None:
            read.hold_roles(getattr(device, "role_names", None))
        with backends.read_with(read):
            self._init_user_fields(user)  # reads the user, through the backend
        if user.is_authenticated:
            user.otp_device = self._finalize_device(request, user, device)
        return user

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        label, _, number = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != _AUTHENTICATOR_APP or not number.isdigit():
            return super()._device_from_persistent_id(persistent_id)
        found = _DEVICE.run(device=int(number))
        return found[0] if found else None


class NoStoreMiddleware:
    """Every response Interplay renders says ``Cache-Control: no-store`` (ASVS 14.3.2).

    One rule for every page rather than a list of pages that carry personal data: a
    public page (the self-referral start) may show what was typed after a POST, a staff
    page changes with who is signed in, and a redirect or error may name a record.
    Static files are served by WhiteNoise before this middleware and keep their own
    long-lived caching: they hold no personal data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A page that already says no-store (a PDF download, never_cache) is left as it is.
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response

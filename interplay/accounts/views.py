"""Sign-in: the password step (Django's view), then the second factor, for every staff role."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from interplay.accounts import services, two_factor
from interplay.accounts.forms import (
    CodeForm,
    PasswordResetRequestForm,
    SetupCodeForm,
    SignInForm,
)
from interplay.clinic import ratelimit
from interplay.lib.errors import RuleViolation


class SignInView(LoginView):
    """Password first; then every staff member goes on to the second factor."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    http_method_names = ["get", "head", "post"]

    def get_success_url(self) -> str:
        return second_factor_url(super().get_success_url())


def _reset_rate(group: str, request: HttpRequest) -> str:
    return str(settings.PASSWORD_RESET_RATE_LIMIT)


class PasswordResetRequestView(PasswordResetView):
    """Ask for a reset link: the same answer, in the same time, for any address.

    At most ``PASSWORD_RESET_RATE_LIMIT`` requests an hour per client address; each
    account also gets at most 3 emails an hour (``tasks.RESETS_PER_HOUR``).
    """

    form_class = PasswordResetRequestForm
    http_method_names = ["get", "head", "post"]

    def form_valid(self, form: Any) -> HttpResponse:
        limited = ratelimit.is_limited(
            self.request, group="password-reset", key="ip", rate=_reset_rate
        )
        if limited:
            form.add_error("email", "Too many reset links have been asked for. Try again later.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


def second_factor_url(next_url: str) -> str:
    return f"{reverse('accounts:verify')}?{urlencode({'next': next_url})}"


def _complete_second_factor(request: HttpRequest, device: Device) -> None:
    """Mark the session verified under a new session key.

    Django changes the key at the password step; changing it again here means a key
    planted or seen before the second factor never becomes a fully signed-in session.
    """
    request.session.cycle_key()
    otp_login(request, device)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("home")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for a code; someone without an authenticator app yet is sent to set one up."""
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next(request))
    if two_factor.confirmed_app(request.user) is None:  # type: ignore[arg-type]
        return redirect(f"{reverse('accounts:setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(
            actor=request.user,  # type: ignore[arg-type]
            token=form.cleaned_data["code"],
        )
        if device is not None:
            _complete_second_factor(request, device)
            return redirect(_next(request))
        form.add_error(
            "code",
            "That code is not right or has been used. Enter the code your app shows now. "
            "After several wrong codes you must wait before trying again.",
        )
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


@never_cache  # the page may show the backup codes: no copy kept by a browser or proxy
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the code, type a code back, keep the backup codes."""
    user: Any = request.user
    if two_factor.confirmed_app(user) is not None:
        # Someone who knows only the password must not replace the real second factor.
        return redirect(second_factor_url(_next(request)))
    device = two_factor.pending_app(user)
    form = SetupCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_authenticator(
                actor=user, device=device, token=form.cleaned_data["code"]
            )
        except RuleViolation as error:
            form.add_error("code", str(error))
        else:
            _complete_second_factor(request, device)
            shown = {"codes": codes, "next": _next(request)}
            return render(request, "accounts/backup_codes.html", shown)
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_for_display(device),
        "next": _next(request),
    }
    return render(request, "accounts/setup.html", context)


@never_cache
@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    """A verified person replaces their backup codes (after losing or using them).

    Shown once: only their hashes are kept, the page is never cached, and it answers only
    POST, so opening it again makes a new set rather than showing this one.
    """
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(second_factor_url(reverse("home")))
    codes = services.regenerate_backup_codes(actor=request.user)  # type: ignore[arg-type]
    messages.info(request, "Your old backup codes no longer work.")
    return render(request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("home")})

"""The admin site: administrators only, behind the second factor, GET, POST and HEAD only.

Django's admin sends anyone it will not serve to its own sign-in page. Interplay signs
people in elsewhere, so a signed-in member of staff without the administrator role would
bounce between the two pages for ever: they get the 403 page instead.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.admin import OTPAdminSite

ADMIN_METHODS = ["GET", "POST", "HEAD"]


def _pin_methods(patterns: list[Any]) -> list[Any]:
    """Every admin view answers only ADMIN_METHODS; anything else gets 405."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _pin_methods(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback = require_http_methods(ADMIN_METHODS)(entry.callback)
    return patterns


class InterplayAdminSite(OTPAdminSite):
    """The admin opens only to a verified second factor, through Interplay's own sign-in."""

    site_header = "Interplay administration"
    site_title = "Interplay"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return _pin_methods(super().get_urls())

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = self._refusal(request, request.get_full_path())
            return refusal or inner(request, *args, **kwargs)

        return guarded

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index", current_app=self.name)
        return self._refusal(request, target) or redirect(target)

    def _refusal(self, request: HttpRequest, target: str) -> HttpResponse | None:
        """Where someone the admin will not serve goes instead, or None to serve them."""
        user: Any = request.user
        if self.has_permission(request):
            return None
        if not user.is_authenticated:
            return redirect_to_login(target)
        if not user.is_verified():
            from interplay.accounts.views import second_factor_url

            return redirect(second_factor_url(target))
        return render(request, "403.html", status=403)

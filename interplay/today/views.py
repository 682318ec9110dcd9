"""Each person's first screen: the therapist's and triage clinician's days, and the choice
of screen for a person with several roles."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record
from interplay.lib.errors import PermissionDenied
from interplay.today import landing, services
from interplay.today import therapist as therapist_day
from interplay.today import triage as triage_day
from interplay.today.forms import ChooseScreenForm


def _screen(
    request: HttpRequest, template: str, panels: dict[str, Any], name: str, shown: Any
) -> HttpResponse:
    """Render a first screen with the chooser, auditing the look: the counts of each panel
    and what was on screen by public id or reference, never a name."""
    counts = {k: len(v) for k, v in panels.items() if isinstance(v, list) and k != "session_days"}
    detail = {"screen": name, **counts, **shown(panels)}
    record(actor=request.user, action="today.viewed", detail=detail)
    screens = landing.screens_for(request.user)
    several = len(screens) > 1
    chooser = ChooseScreenForm(screens=screens) if several else None
    start_on = landing.first_screen(request.user) if several else None
    extra = {"screens": screens, "chooser": chooser, "start_on": start_on}
    return render(request, template, panels | extra)


@require_GET
@require(Action.RUN_COURSE)
def therapist(request: HttpRequest) -> HttpResponse:
    """My day: sessions, open alerts, records to sign, tasks noted, re-ratings, endings."""
    panels = therapist_day.context(request)
    return _screen(request, "today/therapist.html", panels, "therapist", therapist_day.shown)


@require_GET
@require(Action.VIEW_TRIAGE_QUEUE)
def triage(request: HttpRequest) -> HttpResponse:
    """The triage day: urgent referrals, new ones, contacts due, standards soon missed."""
    panels = triage_day.context(request)
    return _screen(request, "today/triage.html", panels, "triage", triage_day.shown)


def staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: sign in. Password only: the second factor. No staff role: 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_verified():  # type: ignore[attr-defined]
            from interplay.accounts.views import second_factor_url

            return redirect(second_factor_url(request.get_full_path()))
        if not landing.screens_for(request.user):
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@staff
def screens(request: HttpRequest) -> HttpResponse:
    """My first screens, and (with several) which one I start the day on."""
    mine = landing.screens_for(request.user)
    current = landing.first_screen(request.user)
    initial = {"role": current.role.value if current else None}
    form = ChooseScreenForm(request.POST or None, screens=mine, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_first_screen(actor=request.user, role=form.cleaned_data["role"])
        except PermissionDenied:
            return render(request, "403.html", status=403)
        chosen = landing.first_screen(request.user)
        return redirect(chosen.url if chosen else "home")
    status = 400 if request.method == "POST" else 200
    context = {"screens": mine, "current": current, "form": form}
    return render(request, "today/screens.html", context, status=status)

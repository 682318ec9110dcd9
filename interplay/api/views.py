"""The token page at /account/tokens/: my API tokens, a new one (its key shown once), and
revoking one. Every signed-in member of staff past the second factor may use it; a token
can do no more than its owner's role allows."""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts.permissions import Action, can
from interplay.api import services
from interplay.api.forms import TokenForm
from interplay.api.models import ApiToken


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: sign in. Password only: the second factor. Otherwise the page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_verified():  # type: ignore[attr-defined]
            from interplay.accounts.views import second_factor_url

            return redirect(second_factor_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@signed_in
def tokens(request: HttpRequest) -> HttpResponse:
    owner: Any = request.user  # signed in: the decorator has seen to it
    mine = ApiToken.objects.filter(user=owner).select_related("revoked_by")
    return render(request, "api/tokens.html", {"tokens": mine})


@require_http_methods(["GET", "POST"])
@signed_in
def new_token(request: HttpRequest) -> HttpResponse:
    """Make a token; the answer to the POST shows its key, once, and it is never kept."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token, key = services.create_token(
            actor=request.user,
            name=data["name"],
            scope=data["scope"],
            notes=data["notes"] == "yes",
            expires_at=form.expires_at(),
        )
        return render(request, "api/token_made.html", {"token": token, "key": key})
    status = 400 if form.errors else 200
    return render(request, "api/token_new.html", {"form": form}, status=status)


@require_POST
@signed_in
def revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Revoke one of my tokens (an administrator: anyone's)."""
    owner: Any = request.user
    found = ApiToken.objects.all()
    if not can(owner, Action.MANAGE_USERS):
        found = found.filter(user=owner)
    token = get_object_or_404(found, public_id=public_id)
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, f"The token '{token.name}' has stopped working.")
    return redirect("tokens:list")

"""The public self-referral (three steps) and the staff view of one referral."""

import uuid
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.clinic import ratelimit
from interplay.clinic.models import ServiceSettings
from interplay.measures.instruments import GAD7, PHQ9
from interplay.referrals import services
from interplay.referrals.forms import EligibilityForm, ReferralForm, SafetyForm
from interplay.referrals.permissions import visible_referrals

GATE_SALT = "interplay.referrals.gate"
CONFIRMATION_SALT = "interplay.referrals.confirmation"
CONFIRMATION_MAX_AGE = 3 * 60 * 60
NOT_ELIGIBLE_REASONS = ("age", "secondary-care", "area")


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Step 1: the immediate safety question, before anything else is asked."""
    form = SafetyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["need_urgent_help"] == "yes":
            return redirect("referrals:urgent_help")
        return redirect("referrals:eligibility")
    return render(request, "referrals/start.html", {"form": form})


@require_GET
def urgent_help(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/urgent_help.html")


@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest) -> HttpResponse:
    """Step 2: age, specialist care and area. The answers travel on signed, not in a session."""
    service = ServiceSettings.load()
    form = EligibilityForm(
        request.POST if request.method == "POST" else None,
        minimum_age=service.minimum_referral_age,
        check_area=bool(service.area_postcode_prefixes.strip()),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["old_enough"] == "no":
            return redirect("referrals:not_eligible", reason="age")
        if data["under_secondary_care"] == "yes":
            return redirect("referrals:not_eligible", reason="secondary-care")
        postcode = data.get("postcode", "")
        if postcode and not service.covers_postcode(postcode):
            return redirect("referrals:not_eligible", reason="area")
        gate = signing.dumps({"postcode": postcode}, salt=GATE_SALT)
        return redirect(f"{reverse('referrals:details')}?gate={gate}")
    return render(request, "referrals/eligibility.html", {"form": form})


@require_GET
def not_eligible(request: HttpRequest, reason: str) -> HttpResponse:
    if reason not in NOT_ELIGIBLE_REASONS:
        raise Http404
    return render(request, "referrals/not_eligible.html", {"reason": reason})


def _gate(value: str | None) -> dict[str, Any] | None:
    try:
        return signing.loads(value or "", salt=GATE_SALT)
    except signing.BadSignature:
        return None


def _referral_rate(group: str, request: HttpRequest) -> str:
    return settings.REFERRAL_RATE_LIMIT


@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    """Step 3: the referral. One commit per POST: the rate count, the rows, audit and job."""
    gate_value = request.POST.get("gate") if request.method == "POST" else request.GET.get("gate")
    gate = _gate(gate_value)
    if gate is None:
        return redirect("referrals:start")
    minimum_age = ServiceSettings.load().minimum_referral_age
    if request.method == "GET":
        initial = {"submission_token": uuid.uuid4(), "postcode": gate.get("postcode", "")}
        form = ReferralForm(initial=initial, minimum_age=minimum_age)
        return _details_page(request, form, gate_value)
    form = ReferralForm(request.POST, minimum_age=minimum_age)
    valid = form.is_valid()  # before the write transaction: SQLite holds one writer at a time
    with transaction.atomic():
        # Counted with the referral in one commit; invalid attempts count too.
        limited = ratelimit.is_limited(
            request, group="self-referral", key="ip", rate=_referral_rate
        )
        if valid and not limited:
            referral, _ = services.submit_self_referral(
                submission_token=form.cleaned_data["submission_token"],
                details=_details_from(form),
                phq9=form.answers(PHQ9),
                gad7=form.answers(GAD7),
                phq9_difficulty=_optional_int(form.cleaned_data.get("phq9_difficulty")),
            )
    if limited:
        return _details_page(request, form, gate_value, limited=True, status=429)
    if not valid:
        return _details_page(request, form, gate_value, status=400)
    token = signing.dumps(str(referral.public_id), salt=CONFIRMATION_SALT)
    return redirect("referrals:confirmation", token=token)


def _details_page(
    request: HttpRequest,
    form: ReferralForm,
    gate_value: str | None,
    *,
    limited: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "gate": gate_value, "limited": limited, "phq9": PHQ9, "gad7": GAD7}
    return render(request, "referrals/details.html", context, status=status)


def _optional_int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _details_from(form: ReferralForm) -> dict[str, Any]:
    data = form.cleaned_data
    details = {name: data[name] for name in services.REFERRAL_FIELDS if name in data}
    details.pop("submission_token", None)
    details["may_leave_message"] = data["may_leave_message"] == "yes"
    details["interpreter_needed"] = data["interpreter_needed"] == "yes"
    return details


@require_GET
def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    """The reference and what happens next; signposting again when risk was disclosed."""
    try:
        public_id = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    referral = get_object_or_404(
        services.Referral.objects.only("reference", "urgent", "email"), public_id=public_id
    )
    return render(request, "referrals/confirmation.html", {"referral": referral})


@require_GET
@require(Action.VIEW_REFERRAL)
def referral_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every answer of one referral, for triage. Opening it is audited."""
    referral = get_object_or_404(visible_referrals(request.user).with_scores(), public_id=public_id)
    services.view_referral(actor=request.user, referral=referral)
    context = {
        "referral": referral,
        "questionnaires": [(PHQ9, referral.score("phq9")), (GAD7, referral.score("gad7"))],
    }
    return render(request, "referrals/referral_detail.html", context)

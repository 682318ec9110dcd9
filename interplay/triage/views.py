"""Triage pages: the queue, one referral's triage, the waiting lists and allocation."""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts import drafts
from interplay.accounts.decorators import require
from interplay.accounts.models import User
from interplay.accounts.permissions import Action
from interplay.accounts.roles import Modality
from interplay.letters.models import Letter
from interplay.lib import sorting
from interplay.lib.errors import RuleViolation
from interplay.measures.instruments import GAD7, PHQ9
from interplay.referrals.models import AWAITING_TRIAGE, Referral
from interplay.referrals.permissions import visible_referrals
from interplay.triage import merging, services
from interplay.triage.forms import (
    AllocateForm,
    AssessmentForm,
    ContactForm,
    DecisionForm,
    WithdrawForm,
    assessment_form,
)
from interplay.triage.models import PatientMerge

PAGE_SIZE = 25


@require_GET
@require(Action.VIEW_TRIAGE_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(services.queue_for(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = services.queue_rows(page.object_list)
    services.view_queue(actor=request.user, referrals=page.object_list)
    context = {"page": page, "paginator": paginator, "rows": rows}
    return render(request, "triage/queue.html", context)


def _referral(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    return get_object_or_404(
        visible_referrals(request.user)
        .select_related("patient", "decision", "assessment")
        .with_scores(),
        public_id=public_id,
    )


def _urgent_wait(referral: Referral) -> services.UrgentWait | None:
    """How long an urgent referral still waiting for triage has waited, else None."""
    if not referral.urgent or referral.status not in AWAITING_TRIAGE:
        return None
    return services.urgent_clock([referral]).wait(referral)


def _triage_page(
    request: HttpRequest, referral: Referral, status: int = 200, **bound: Any
) -> HttpResponse:
    assessment = getattr(referral, "assessment", None)
    earlier = (
        Referral.objects.filter(patient=referral.patient)
        .exclude(pk=referral.pk)
        .select_related("decision")
        .order_by("-received_at")
        if referral.patient_id
        else Referral.objects.none()
    )
    context = {
        "referral": referral,
        "assessment": assessment,
        "decision": getattr(referral, "decision", None),
        "assessment_form": bound.get("assessment_form") or assessment_form(referral, assessment),
        "contact_form": bound.get("contact_form") or ContactForm(),
        "decision_form": bound.get("decision_form") or DecisionForm(),
        "withdraw_form": bound.get("withdraw_form") or WithdrawForm(),
        "attempts": referral.contact_attempts.select_related("by"),
        "letters": Letter.objects.filter(referral=referral).order_by("created_at"),
        "earlier": earlier,
        "allocation": referral.allocations.active().select_related("therapist").first(),
        "standing": services.standing(referral, services.wait_policy()),
        "urgent_wait": _urgent_wait(referral),
        "questionnaires": [(PHQ9, referral.score("phq9")), (GAD7, referral.score("gad7"))],
        "duplicates": merging.possible_duplicates(referral.patient) if referral.patient else [],
        "merges": PatientMerge.objects.filter(
            kept=referral.patient_id, confirmed_at=None, undone_at=None
        ).select_related("duplicate"),
    }
    return render(request, "triage/referral.html", context, status=status)


@require_GET
@require(Action.TRIAGE_REFERRAL)
def referral(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One referral's triage: the assessment, contact attempts, the decision, letters."""
    found = _referral(request, public_id)
    services.view_triage_page(actor=request.user, referral=found)
    kept = drafts.take(request)
    if kept is not None:
        messages.info(request, "Here is what you were writing before you were signed out.")
        return _triage_page(request, found, **_restored(kept))
    return _triage_page(request, found)


def _restored(kept: Any) -> dict[str, Any]:
    """Put a kept draft back into whichever triage form it came from, unsaved."""
    if any(name.startswith("contact-") for name in kept):
        return {"contact_form": ContactForm(initial=_initial(kept, "contact-"))}
    if any(name.startswith("decision-") for name in kept):
        return {"decision_form": DecisionForm(initial=_initial(kept, "decision-"))}
    return {"assessment_form": AssessmentForm(initial=_initial(kept, ""))}


def _initial(kept: Any, prefix: str) -> dict[str, Any]:
    multiple = {"exclusions", "suitable_for"}
    values: dict[str, Any] = {}
    for name, items in kept.lists():
        field = name.removeprefix(prefix)
        values[field] = items if field in multiple else items[-1]
    return values


def _refused(
    request: HttpRequest, referral: Referral, error: RuleViolation, **bound: Any
) -> HttpResponse:
    messages.error(request, str(error))
    return _triage_page(request, referral, status=409, **bound)


def _submit(
    request: HttpRequest,
    public_id: uuid.UUID,
    form_class: type[Any],
    slot: str,
    change: Callable[..., Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    """One triage form's POST: invalid shape back beside the fields (400), a broken rule
    back as a message (409), success back to the triage page with what happened."""
    found = _referral(request, public_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _triage_page(request, found, status=400, **{slot: form})
    try:
        result = change(actor=request.user, referral=found, **form.cleaned_data)
    except RuleViolation as error:
        return _refused(request, found, error, **{slot: form})
    messages.success(request, done(result))
    return redirect("triage:referral", public_id=found.public_id)


@require_POST
@require(Action.TRIAGE_REFERRAL)
def save_assessment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        public_id,
        AssessmentForm,
        "assessment_form",
        services.save_assessment,
        lambda _: "Assessment saved.",
    )


@require_POST
@require(Action.TRIAGE_REFERRAL)
def log_contact(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        public_id,
        ContactForm,
        "contact_form",
        services.log_contact_attempt,
        lambda _: "Contact attempt logged.",
    )


@require_POST
@require(Action.TRIAGE_REFERRAL)
def decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        public_id,
        DecisionForm,
        "decision_form",
        services.decide,
        lambda d: f"Decision recorded: {d.get_outcome_display()}. Letters produced.",
    )


@require_POST
@require(Action.TRIAGE_REFERRAL)
def withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        public_id,
        WithdrawForm,
        "withdraw_form",
        services.withdraw,
        lambda _: "Referral withdrawn.",
    )


@require_http_methods(["GET", "POST"])
@require(Action.ALLOCATE)
def allocate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Suggested therapists for one waiting person, and giving them to one."""
    found = _referral(request, public_id)
    form = AllocateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        therapist = get_object_or_404(User, public_id=form.cleaned_data["therapist"])
        try:
            services.allocate(actor=request.user, referral=found, therapist=therapist)
        except RuleViolation as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Allocated to {therapist}. They have been told.")
            return redirect("triage:referral", public_id=found.public_id)
    context = {"referral": found, "suggestions": services.suggestions_for(found)}
    return render(
        request, "triage/allocate.html", context, status=409 if request.method == "POST" else 200
    )


@require_GET
@require(Action.ALLOCATE)
def capacity(request: HttpRequest) -> HttpResponse:
    """Each therapist's places left, and the next waiting person they could take."""
    rows = services.capacity_board(request.user)
    return render(request, "triage/capacity.html", {"rows": rows})


@require_GET
@require(Action.VIEW_WAITING_LIST)
def waiting_lists(request: HttpRequest) -> HttpResponse:
    counts = services.waiting_counts(request.user)
    return render(request, "triage/waiting_lists.html", {"counts": counts})


# The waiting list's sortable columns; without ?sort= it keeps its own order (urgent
# first, then the longest waiting). Each order ends on the id so pages never overlap.
WAITING_LIST_COLUMNS = {"person": "Person", "referred": "Referred", "waited": "Days waited"}
WAITING_LIST_ORDER = {
    "person": ("last_name", "first_name", "id"),
    "referred": ("received_at", "id"),
    "waited": ("-received_at", "-id"),
}


@require_GET
@require(Action.VIEW_WAITING_LIST)
def waiting_list(request: HttpRequest, modality: str) -> HttpResponse:
    if modality not in Modality.values:
        raise Http404
    sort = sorting.read(request.GET, WAITING_LIST_COLUMNS)
    waiting = services.waiting_list(request.user, modality)
    if sort.key:
        waiting = waiting.order_by(*sort.order_by(WAITING_LIST_ORDER))
    paginator = Paginator(waiting, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    policy = services.wait_policy()
    rows = [(r, services.standing(r, policy)) for r in page.object_list]
    services.view_waiting_list(actor=request.user, modality=modality, referrals=page.object_list)
    context = {
        "page": page,
        "paginator": paginator,
        "rows": rows,
        "modality": Modality(modality),
        "policy": policy,
        "sort": sort,
    }
    return render(request, "triage/waiting_list.html", context)


@require_POST
@require(Action.TRIAGE_REFERRAL)
def send_opt_in(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    found = _referral(request, public_id)
    try:
        services.send_opt_in_letter(actor=request.user, referral=found)
    except RuleViolation as error:
        return _refused(request, found, error)
    messages.success(request, "Opt-in letter sent.")
    return redirect("triage:referral", public_id=found.public_id)


@require_POST
@require(Action.TRIAGE_REFERRAL)
def merge(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Merge a possible duplicate record into this referral's patient record."""
    found = _referral(request, public_id)
    if found.patient is None:
        raise Http404
    duplicate = get_object_or_404(
        merging.possible_duplicates(found.patient), public_id=request.POST.get("duplicate")
    )
    try:
        merging.merge(actor=request.user, kept=found.patient, duplicate=duplicate)
    except RuleViolation as error:
        return _refused(request, found, error)
    messages.success(request, "Merged. You can undo this until you confirm it.")
    return redirect("triage:referral", public_id=found.public_id)


def _merge_step(request: HttpRequest, merge_id: uuid.UUID, step: Any, done: str) -> HttpResponse:
    merged = get_object_or_404(PatientMerge.objects.select_related("kept"), public_id=merge_id)
    back = Referral.objects.filter(patient=merged.kept).order_by("-received_at").first()
    try:
        step(actor=request.user, merged=merged)
    except RuleViolation as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    if back is None:
        return redirect("triage:queue")
    return redirect("triage:referral", public_id=back.public_id)


@require_POST
@require(Action.TRIAGE_REFERRAL)
def undo_merge(request: HttpRequest, merge_id: uuid.UUID) -> HttpResponse:
    return _merge_step(
        request, merge_id, merging.undo, "Merge undone: the records are separate again."
    )


@require_POST
@require(Action.TRIAGE_REFERRAL)
def confirm_merge(request: HttpRequest, merge_id: uuid.UUID) -> HttpResponse:
    return _merge_step(request, merge_id, merging.confirm, "Merge confirmed.")

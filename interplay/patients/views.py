"""Administrators' patient pages: find a person, their record, subject access, erasure.

Information governance is an administrator's job (``Action.MANAGE_RECORDS``). Each page
that shows who a person is records the look in the audit trail.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts import searches
from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.lib.errors import RuleViolation
from interplay.patients import services
from interplay.patients.forms import ConsentForm, EraseForm, SearchForm
from interplay.patients.models import Consent, Patient
from interplay.referrals.models import Referral

PAGE_SIZE = 25
# What a search result shows: never the whole row.
RESULT_FIELDS = (
    "public_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "nhs_number",
    "postcode",
    "anonymised_at",
)


@require_http_methods(["GET", "POST"])
@require(Action.MANAGE_RECORDS)
def find(request: HttpRequest) -> HttpResponse:
    """Search by NHS number, referral reference or name; a fixed number of queries.

    The search is posted and its results shown at ``?search=<key>`` (``accounts.searches``):
    what was typed never appears in a URL or a log line."""
    if request.method == "POST":
        form = SearchForm(request.POST)
        if not form.is_valid():
            return render(request, "patients/find.html", {"form": form}, status=400)
        return redirect(searches.keep(request, "patients", {"q": form.cleaned_data["q"]}))
    terms = searches.recall(request, "patients")
    text = (terms or {}).get("q", "")
    context: dict[str, Any] = {"form": SearchForm(initial=terms), "searched": bool(text.strip())}
    if context["searched"]:
        results = (
            Patient.objects.search(text)
            .annotate(referral_count=Count("referrals"))
            .order_by("last_name", "first_name", "pk")
            .only(*RESULT_FIELDS)
        )
        paginator = Paginator(results, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        services.view_search(actor=request.user, patients=page.object_list, page=page.number)
        context |= {"page": page, "paginator": paginator}
    return render(request, "patients/find.html", context)


def _patient(public_id: uuid.UUID) -> Patient:
    return get_object_or_404(Patient.objects.select_related("merged_into"), public_id=public_id)


def _patient_page(
    request: HttpRequest, patient: Patient, form: ConsentForm | None = None, status: int = 200
) -> HttpResponse:
    referrals = list(services.referrals_of(patient))
    context = {
        "patient": patient,
        "current": Consent.objects.current_for(patient),
        "history": Consent.objects.history_for(patient).select_related("recorded_by"),
        "referrals": [(r, services.erasure_refusal(r) is None) for r in referrals],
        "consent_form": form or ConsentForm(),
    }
    return render(request, "patients/detail.html", context, status=status)


@require_GET
@require(Action.MANAGE_RECORDS)
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The record, its consents and referrals, and the subject access downloads."""
    patient = _patient(public_id)
    services.view_patient(actor=request.user, patient=patient)
    return _patient_page(request, patient)


@require_POST
@require(Action.MANAGE_RECORDS)
def consent(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record a consent given or withdrawn, from the patient page's form."""
    patient = _patient(public_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        services.view_patient(actor=request.user, patient=patient)
        return _patient_page(request, patient, form, status=400)
    try:
        services.record_consent(actor=request.user, patient=patient, **form.cleaned_data)
    except RuleViolation as error:
        messages.error(request, str(error))
        services.view_patient(actor=request.user, patient=patient)
        return _patient_page(request, patient, form, status=409)
    messages.success(request, "Consent recorded.")
    return redirect("patients:detail", public_id=patient.public_id)


def _download(patient: Patient, data: bytes, extension: str, content_type: str) -> HttpResponse:
    """An attachment named by date and the record's id, never the person's name."""
    day = timezone.localdate().isoformat()
    filename = f"subject-access-{str(patient.public_id)[:8]}-{day}.{extension}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@require(Action.MANAGE_RECORDS)
def export_json(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    patient = _patient(public_id)
    data, _ = services.export_subject_access(actor=request.user, patient=patient, formats=("json",))
    return _download(patient, data, "json", "application/json; charset=utf-8")


@require_GET
@require(Action.MANAGE_RECORDS)
def export_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    patient = _patient(public_id)
    _, data = services.export_subject_access(actor=request.user, patient=patient, formats=("pdf",))
    return _download(patient, data, "pdf", "application/pdf")


@require_http_methods(["GET", "POST"])
@require(Action.MANAGE_RECORDS)
def erase(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """What erasing a referral removes, and the typed reference that confirms it."""
    referral = get_object_or_404(Referral.objects.select_related("patient"), public_id=public_id)
    form = EraseForm(
        request.POST if request.method == "POST" else None, expected=referral.reference
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            erased = services.erase_referral(actor=request.user, referral=referral)
        except RuleViolation as error:
            messages.error(request, str(error))
            status = 409
        else:
            return _erased(request, referral, erased)
    elif request.method == "POST":
        status = 400
    services.view_erasure(actor=request.user, referral=referral)
    context = {
        "referral": referral,
        "form": form,
        "refusal": services.erasure_refusal(referral),
        "erasure": services.erasure_of(referral),
    }
    return render(request, "patients/erase.html", context, status=status)


def _erased(request: HttpRequest, referral: Referral, erased: services.Erasure) -> HttpResponse:
    if erased.patient_too:
        messages.success(request, f"Referral {erased.reference} and the person's record erased.")
    else:
        messages.success(request, f"Referral {erased.reference} erased.")
    if referral.patient is None or erased.patient_too:
        return redirect("patients:find")
    return redirect("patients:detail", public_id=referral.patient.public_id)

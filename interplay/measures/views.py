"""Administrators' pages for instruments: the list, FHIR export and FHIR import."""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.lib.errors import RuleViolation
from interplay.measures import services
from interplay.measures.forms import ActiveForm, ImportQuestionnaireForm
from interplay.measures.models import InstrumentDefinition


@require_GET
@require(Action.CONFIGURE_SERVICE)
def instruments(request: HttpRequest) -> HttpResponse:
    """Every stored instrument version, with its source and an export link."""
    rows = InstrumentDefinition.objects.select_related("imported_by").order_by(
        "code", "imported_at", "id"
    )
    return render(request, "measures/instruments.html", {"rows": rows})


@require_GET
@require(Action.CONFIGURE_SERVICE)
def export(request: HttpRequest, code: str, version: str) -> HttpResponse:
    """The instrument as a FHIR R4B Questionnaire file; each export is audited."""
    try:
        questionnaire = services.export_questionnaire(
            actor=request.user, code=code, version=version
        )
    except services.UnknownInstrument:
        raise Http404 from None
    response = HttpResponse(
        json.dumps(questionnaire, indent=2, ensure_ascii=False),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{code}-{version}.questionnaire.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@require(Action.CONFIGURE_SERVICE)
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a Questionnaire; a fault is shown beside the field, nothing is stored."""
    form = ImportQuestionnaireForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                row = services.import_questionnaire(
                    actor=request.user, questionnaire=form.cleaned_data["questionnaire"]
                )
            except RuleViolation as error:
                form.add_error("questionnaire", str(error))
                status = 409
            else:
                messages.success(request, f"Imported {row.name}, version {row.version}.")
                return redirect("measures:instruments")
        else:
            status = 400
    return render(request, "measures/import.html", {"form": form}, status=status)


@require_POST
@require(Action.CONFIGURE_SERVICE)
def set_active(request: HttpRequest, code: str, version: str) -> HttpResponse:
    """Retire a version or bring it back into use."""
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether the version is in use.")
        return redirect("measures:instruments")
    try:
        row = services.set_instrument_active(
            actor=request.user, code=code, version=version, active=form.cleaned_data["active"]
        )
    except services.UnknownInstrument:
        raise Http404 from None
    except RuleViolation as error:
        messages.error(request, str(error))
    else:
        state = "in use" if row.active else "retired"
        messages.success(request, f"{row.name} version {row.version} is {state}.")
    return redirect("measures:instruments")

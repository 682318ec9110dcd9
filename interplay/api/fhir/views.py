"""The FHIR endpoints: plain Django views answering ``application/fhir+json``."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from interplay.api.fhir import access, capability, transaction
from interplay.api.fhir.base import (
    FhirError,
    allowed_methods,
    fhir_view,
    not_found,
    respond,
)
from interplay.api.fhir.everything import resources_of
from interplay.api.fhir.kinds import KINDS
from interplay.api.fhir.search import Kind, base_url, bundle, read, row_of, search
from interplay.audit.services import record


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise FhirError(404, "not-supported", f"This server has no {name} resources.")
    return kind


@allowed_methods("GET")
@fhir_view()
def metadata(request: HttpRequest) -> HttpResponse:
    return respond(capability.capability_statement(base_url(request)))


@allowed_methods("GET", "POST")
@fhir_view()
def root(request: HttpRequest) -> HttpResponse:
    """POST a transaction Bundle; nothing to GET at the base but ``metadata``."""
    if request.method != "POST":
        raise FhirError(
            405, "not-supported", "GET metadata, or a resource type; POST a transaction."
        )
    if not request.api_token.can_write:  # type: ignore[attr-defined]
        raise FhirError(
            403, "forbidden", "This token is read-only: make a read-write token to send records."
        )
    access.require_submitter(request.user)
    try:
        data: Any = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FhirError(400, "structure", "The body is not JSON.") from None
    return respond(transaction.submit(actor=request.user, data=data))


@allowed_methods("GET")
@fhir_view()
def search_type(request: HttpRequest, kind: str) -> HttpResponse:
    return respond(search(kind_of(kind), request))


@allowed_methods("GET")
@fhir_view()
def read_instance(request: HttpRequest, kind: str, resource_id: str) -> HttpResponse:
    return respond(read(kind_of(kind), request.user, resource_id))


@allowed_methods("GET")
@fhir_view()
def everything(request: HttpRequest, resource_id: str) -> HttpResponse:
    """Everything about one person that the reader may see, audited as a look at it."""
    kind = KINDS["Patient"]
    patient = row_of(kind, request.user, resource_id)
    if patient is None:
        raise not_found()
    resources = resources_of(patient, request.user)
    record(
        actor=request.user,
        action="patient.viewed",
        obj=patient,
        detail={
            "via": "fhir",
            "resource": f"Patient/{resource_id}/$everything",
            "resources": len(resources),
        },
    )
    return respond(bundle("searchset", resources, base_url(request), total=len(resources)))

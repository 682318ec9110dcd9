"""``metadata``: the CapabilityStatement, written from what the server does: the types
``kinds.KINDS`` serves with the search parameters each really has, ``$everything`` on
Patient, the transaction that takes a referral in, and each token's rate limit. Nothing
is declared that is not implemented (a test reads it back and tries every parameter)."""

from typing import Any

from django.conf import settings
from django.utils import timezone
from django_ratelimit.core import _split_rate

from interplay.api.fhir.base import FHIR_JSON, FHIR_VERSION, validate
from interplay.api.fhir.kinds import KINDS

COUNT_DOC = "Resources per page: 1 to 200, 50 when not given. The next page is the 'next' link."


def limit() -> str:
    """The token's rate limit in words (``interplay.api.ratelimit``)."""
    count, seconds = _split_rate(str(settings.API_RATE_LIMIT))
    return (
        f"Each token may make {count} requests in {seconds} seconds, its FHIR and JSON API "
        "requests counted together; beyond that, 429 with an OperationOutcome (throttled) "
        "and Retry-After, the seconds to wait."
    )


def capability_statement(base: str) -> dict[str, Any]:
    resources = []
    for kind in KINDS.values():
        params = [
            {"name": p.name, "type": p.type, "documentation": p.documentation} for p in kind.params
        ]
        params.append({"name": "_count", "type": "number", "documentation": COUNT_DOC})
        entry: dict[str, Any] = {
            "type": kind.name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
            "searchParam": params,
        }
        if kind.name == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    "documentation": "Everything about the person you may see, as a Bundle.",
                }
            ]
        resources.append(entry)
    data = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "publisher": "Interplay",
        "kind": "instance",
        "software": {"name": "Interplay"},
        "implementation": {"description": "Interplay FHIR R4", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Records as FHIR R4, under the same permissions and caseload scoping "
                    "as Interplay's pages. Every read is audited."
                ),
                "security": {
                    "description": (
                        "A personal API token: 'Authorization: Bearer <key>'. A read-only "
                        "token cannot send a transaction. " + limit()
                    )
                },
                "resource": resources,
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": (
                            "A Bundle of a ServiceRequest and its Patient (with PHQ-9 and "
                            "GAD-7 QuestionnaireResponses if given) makes a referral; a "
                            "returning person is matched on NHS number, or name and date "
                            "of birth."
                        ),
                    }
                ],
            }
        ],
    }
    return validate(data)

"""Errors as RFC 9457 problem details (``application/problem+json``), each with a message
a developer can act on. Registered on the API in ``interplay.api.v1``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from interplay.lib import errors as domain

PROBLEM = "application/problem+json"


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    title: str,
    detail: str,
    **extra: Any,
) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


def install(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = problem(
            api,
            request,
            401,
            "Unauthorised",
            "Send a live API token as 'Authorization: Bearer <key>'. Tokens are made at "
            "/account/tokens/; a revoked or expired token no longer works.",
        )
        response["WWW-Authenticate"] = 'Bearer realm="interplay"'
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 403, "Forbidden", str(exc) or "Your role may not do this.")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 404, "Not found", "No such record, or not one you may see.")

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
        errors = getattr(exc, "errors", [])
        return problem(
            api,
            request,
            422,
            "Invalid request",
            "Some fields are missing or wrong: see 'errors'.",
            errors=[
                {"field": ".".join(str(p) for p in e.get("loc", [])), "message": e.get("msg")}
                for e in errors
            ],
        )

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, DjangoValidationError)
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return problem(
            api,
            request,
            422,
            "Invalid request",
            "The record was refused: see 'errors'.",
            errors=[
                {"field": field, "message": message}
                for field, messages in fields.items()
                for message in messages
            ],
        )

    @api.exception_handler(domain.PermissionDenied)
    def role_may_not(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 403, "Forbidden", str(exc) or "Your role may not do this.")

    @api.exception_handler(domain.RuleViolation)
    def conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, domain.RuleViolation)
        extra = {"errors": [{"field": exc.field, "message": str(exc)}]} if exc.field else {}
        return problem(api, request, 409, "Conflict", str(exc), **extra)

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, Throttled)
        wait = exc.wait or 60
        response = problem(
            api,
            request,
            429,
            "Too many requests",
            f"This token has made more requests than its limit allows. Try again in "
            f"{wait} seconds.",
        )
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, HttpError)
        return problem(api, request, exc.status_code, _title(exc.status_code), exc.message)


PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, and what to do"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
# Every operation may answer these; which others, depends on the operation.
ALWAYS = {
    "400": "The request is malformed (a cursor or a parameter this API did not give)",
    "401": "No live API token",
    "403": "The token's role or scope may not do this",
    "422": "Some fields are missing or wrong: see 'errors'",
    "429": "Too many requests with this token: wait 'Retry-After' seconds",
}
WITH_ID = {"404": "No such record, or not one this token may see"}
CHANGING = {"409": "A rule of the service refuses the change: see 'detail'"}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem details every operation may answer to the OpenAPI document, so a
    client (and schemathesis) knows every status it can meet and its shape."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            answers = dict(ALWAYS)
            if "{" in path:
                answers |= WITH_ID
            if method.lower() in {"post", "put", "patch", "delete"}:
                answers |= CHANGING | WITH_ID
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses.setdefault(status, {"description": description, "content": content})
    return schema


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The project's 404: problem details under /api/, an OperationOutcome under /fhir/
    (an address no route matches, such as an id that is not a UUID), else the page."""
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": "No such address or record: check the path and the id (a UUID).",
        }
        return JsonResponse(body, status=404, content_type=PROBLEM)
    if request.path.startswith("/fhir/"):
        from interplay.api.fhir.base import FHIR_JSON, outcome

        issue = ("not-found", "No such address or resource: check the type and the id.", "")
        return JsonResponse(outcome([issue]), status=404, content_type=FHIR_JSON)
    return page_not_found(request, exception)

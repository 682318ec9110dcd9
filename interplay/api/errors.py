"""Errors as RFC 9457 problem details (``application/problem+json``), each with a message
a developer can act on. Registered on the API in ``interplay.api.v1``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

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

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, HttpError)
        return problem(api, request, exc.status_code, _title(exc.status_code), exc.message)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

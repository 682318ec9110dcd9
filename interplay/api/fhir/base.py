"""The FHIR face's plumbing: token authentication and the token's rate limit, answers as
``application/fhir+json``, every error as an OperationOutcome, and validation of what is
built by ``fhir.resources``.

Every resource is built as plain JSON and checked against its ``fhir.resources`` model by
``validate`` when ``settings.FHIR_VALIDATE_OUTPUT`` is on: always in the test suite, which
reads every resource type through these views, so a shape the models refuse fails a test;
off by default in production, where the check would cost more than building the answer
(a 50-entry Bundle: about a third of the request) and could only turn a tested shape into
a 500. What is sent is the same dict either way. What a client sends us is always
validated (``transaction``).

FHIR version: R4B models from ``fhir.resources`` (its default is R5), as
``interplay.measures.fhir`` does: R4B is R4 with fixes, and every resource used here has
the same shape in both, so what is served is R4 (``fhirVersion`` 4.0.1).
"""

import json
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from interplay.api import ratelimit, tokens
from interplay.lib.errors import PermissionDenied as DomainPermissionDenied
from interplay.lib.errors import RuleViolation

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"
# Interplay's own code systems and identifiers: stable names, not pages to fetch.
SYSTEM_BASE = "https://interplay.invalid/fhir/"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"

View = Callable[..., HttpResponse]


_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("fhir_memo", default=None)


@contextmanager
def one_answer() -> Iterator[None]:
    """While one answer is built, ``remembered`` values are read once, not once per row."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per answer (see ``one_answer``): an instrument's definition, read
    for every response on a page, costs one query for the page, not one per row."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class FhirError(Exception):
    """An answer other than success: its status, an issue code and what to do about it.

    ``problems`` are further (code, text, expression) issues, one per problem found, so a
    refused transaction names every one of them at once; ``headers`` go with the answer
    (``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        text: str,
        problems: list[tuple[str, str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(text)
        self.status, self.code, self.text = status, code, text
        self.problems = problems or []
        self.headers = headers or {}


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked against its FHIR R4B model, if ``settings.FHIR_VALIDATE_OUTPUT``
    (see the module's docstring): raises if it is not valid FHIR.

    Returns ``data`` itself: it is already plain JSON, and dumping the model again would
    double the cost of every resource served.
    """
    if settings.FHIR_VALIDATE_OUTPUT:
        get_fhir_model_class(data["resourceType"]).model_validate(data)
    return data


def respond(data: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    # The same text as ``json.dumps(data)``, without keeping a note of every list and dict
    # to refuse a cycle: an answer is a tree built afresh (a Bundle's fifty entries are a
    # few hundred containers), so there is none to find.
    body = json.dumps(data, check_circular=False)
    response = HttpResponse(body, status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def outcome(issues: list[tuple[str, str, str]], severity: str = "error") -> dict[str, Any]:
    """An OperationOutcome with one issue per (code, text, expression)."""
    rendered = []
    for code, text, expression in issues:
        issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
        if expression:
            issue["expression"] = [expression]
        rendered.append(issue)
    return validate({"resourceType": "OperationOutcome", "issue": rendered})


def error_response(error: FhirError) -> HttpResponse:
    issues = [(error.code, error.text, ""), *error.problems]
    response = respond(outcome(issues), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="interplay"'
    return response


def unauthorised() -> FhirError:
    return FhirError(
        401,
        "login",
        "Send a live API token as 'Authorization: Bearer <key>'. Tokens are made at "
        "/account/tokens/; a revoked or expired token no longer works.",
    )


def throttled(seconds: int) -> FhirError:
    """The token's allowance is spent (``interplay.api.ratelimit``): the JSON API's 429,
    as an OperationOutcome."""
    return FhirError(
        429,
        "throttled",
        f"This token has made more requests than its limit allows. Try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )


def not_found() -> FhirError:
    """A new error each time: a raised exception keeps its traceback (and the request's
    frames) alive, so none is shared between requests."""
    return FhirError(404, "not-found", "No such resource, or not one you may see.")


def fhir_view(*, write: bool = False) -> Callable[[View], View]:
    """A FHIR endpoint: a live token or 401; the token's rate limit, shared with the JSON
    API (``interplay.api.ratelimit``), or 429; for ``write``, a read-write token or 403;
    domain refusals and missing records as OperationOutcomes.

    CSRF protection is off: a FHIR client sends no cookies, and a session alone never
    authenticates here (only the token does), so a forged cross-site request has nothing
    to ride on.
    """

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                token = tokens.authenticate(request)
                if token is None:
                    raise unauthorised()
                seconds = ratelimit.wait(request, token)
                if seconds is not None:
                    raise throttled(seconds)
                if write and not request.api_token.can_write:  # type: ignore[attr-defined]
                    raise FhirError(
                        403,
                        "forbidden",
                        "This token is read-only: make a read-write token to send records.",
                    )
                with one_answer():
                    return view(request, *args, **kwargs)
            except FhirError as error:
                return error_response(error)
            except Http404:
                return error_response(not_found())
            except (PermissionDenied, DomainPermissionDenied) as error:
                text = str(error) or "Your role may not do this."
                return error_response(FhirError(403, "forbidden", text))
            except (RuleViolation, DjangoValidationError) as error:
                return error_response(FhirError(422, "business-rule", _message(error)))

        return wrapped

    return decorate


def _message(error: Exception) -> str:
    if isinstance(error, DjangoValidationError):
        return " ".join(error.messages)
    return str(error)


def reject_invalid(error: ValidationError, what: str) -> FhirError:
    """A 400 naming every problem pydantic found in a resource sent to us."""
    problems = [
        ("structure", str(e["msg"]), ".".join(str(p) for p in e["loc"]))
        for e in error.errors()[:20]
    ]
    return FhirError(400, "structure", f"The {what} is not valid FHIR R4.", problems)


def allowed_methods(*methods: str) -> Callable[[View], View]:
    """405 as an OperationOutcome for any other method (HEAD goes with GET)."""
    accepted = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in accepted:
                error = FhirError(405, "not-supported", f"Use {' or '.join(sorted(methods))} here.")
                response = error_response(error)
                response["Allow"] = ", ".join(sorted(accepted))
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def reference(kind: str, public_id: object, display: str = "") -> dict[str, str]:
    ref = {"reference": f"{kind}/{public_id}"}
    if display:
        ref["display"] = display
    return ref


def instant(value: Any) -> str:
    """A datetime as FHIR's instant/dateTime (ISO 8601 with its offset)."""
    return str(value.isoformat())


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found

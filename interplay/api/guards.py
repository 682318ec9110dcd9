"""The JSON API's guards: the role x action table first (403), then the domain's own
refusals as problem details (a ``PermissionDenied`` of the services 403, a
``RuleViolation`` 409, as the pages answer them)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import HttpError

from interplay.accounts.permissions import Action, can
from interplay.lib.errors import PermissionDenied, RuleViolation


def need(request: HttpRequest, action: Action) -> Any:
    """The token's user, if their role may ``action``; else 403 before anything is read."""
    if not can(request.user, action):
        raise Forbidden("Your role may not do this.")
    return request.user


@contextmanager
def refusals() -> Iterator[None]:
    """Answer a service's refusal as the pages do: 403 for who, 409 for a broken rule."""
    try:
        yield
    except PermissionDenied as error:
        raise Forbidden(str(error) or "Your role may not do this.") from error
    except RuleViolation as error:
        raise HttpError(409, str(error)) from error


class FieldError(Schema):
    field: str
    message: str | None


class Problem(Schema):
    """RFC 9457 problem details, as ``interplay.api.errors`` sends them."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# The refusals every read may meet (a bad cursor or query 400/422, no token 401, a role
# that may not 403, another caseload 404), and those of updates (a broken rule 409, a
# stale ETag 412, a missing If-Match 428). Documented so a client knows each one.
READS = (400, 401, 403, 404, 422)
WRITES = (*READS, 409)
UPDATES = (*WRITES, 412, 428)


def answers(ok: Any, codes: tuple[int, ...] = READS, status: int = 200) -> dict[int, Any]:
    """An endpoint's documented responses: ``ok`` with ``status``, and problem details."""
    return {status: ok} | {code: Problem for code in codes}

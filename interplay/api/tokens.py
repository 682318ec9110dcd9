"""Making and finding API keys. Keys are random; only their SHA-256 digest is stored.

A SHA-256 digest (not a slow password hash) is enough: the key is 256 random bits, so
there is nothing to guess, and every API request must find its token in one indexed read.
"""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, Value
from django.http import HttpRequest
from django.utils import timezone

from interplay.accounts.models import RoleAssignment
from interplay.api.models import ApiToken

KEY_PREFIX = "ipl_"
# Write a token's last-used time at most this often: not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# The user's roles, comma-separated, read in the token's own query.
ROLES = Subquery(
    RoleAssignment.objects.filter(user=OuterRef("user_id"))
    .order_by()
    .values("user")
    .annotate(names=StringAgg("role", Value(",")))
    .values("names")
)


@cache
def _with_roles() -> QuerySet[ApiToken]:
    """Tokens with their user and the user's roles, built once: resolving the roles'
    subquery is a good part of the lookup's cost, and every request would pay it again.
    Only ever filtered (a copy), never evaluated itself, so it holds no rows."""
    return ApiToken.objects.select_related("user").annotate(role_names=ROLES).order_by()


def find(key: str) -> ApiToken | None:
    """The live token for ``key``, with its user and the user's roles, or None. Touches
    its last-used time.

    One query: the digest is unique, so it finds at most one row, and whether that token
    still works (not revoked, not expired, its user active) is checked on the row.
    """
    if not key.startswith(KEY_PREFIX):
        return None
    token = next(iter(_with_roles().filter(digest=digest(key))[:1]), None)
    if token is None or not token.is_live or not token.user.is_active:
        return None
    names: str = getattr(token, "role_names", None) or ""
    token.user._roles_cache = frozenset(names.split(",")) if names else frozenset()
    touch(token)
    return token


def touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def bearer(request: HttpRequest) -> str | None:
    """The key in ``Authorization: Bearer <key>``, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def authenticate(request: HttpRequest) -> ApiToken | None:
    """The request's token, setting ``request.user`` and ``request.api_token``; or None.

    Used by the JSON API's auth class and by the FHIR views alike.
    """
    key = bearer(request)
    token = find(key) if key else None
    if token is not None:
        request.user = token.user
        request.api_token = token  # type: ignore[attr-defined]
    return token

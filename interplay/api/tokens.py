"""Making and finding API keys. Keys are random; only their SHA-256 digest is stored.

A SHA-256 digest (not a slow password hash) is enough: the key is 256 random bits, so
there is nothing to guess, and every API request must find its token in one indexed read.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from interplay.accounts.models import role_names
from interplay.api.models import ApiToken

KEY_PREFIX = "ipl_"
# Write a token's last-used time at most this often: not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# The user's roles, comma-separated, read in the token's own query.
ROLES = role_names("user_id")


@cache
def _with_roles() -> QuerySet[ApiToken]:
    """Tokens with their user and the user's roles, built once: resolving the roles'
    subquery is a good part of the lookup's cost, and every request would pay it again.
    Only ever filtered (a copy), never evaluated itself, so it holds no rows."""
    return ApiToken.objects.select_related("user").annotate(role_names=ROLES).order_by()


# Stands for the digest while the lookup's SQL is compiled; replaced by the key's own.
_SLOT = "\x00digest\x00"


@dataclass(frozen=True)
class _Lookup:
    """The token query (``_with_roles`` by digest), compiled by Django once per database
    connection, and where its row's values go: every request runs the same statement
    with its own digest, and Django's compiler, the lookup's main cost, is not run
    again. The row's values pass through the same converters as a queryset's would."""

    sql: str
    params: tuple[Any, ...]
    slot: int
    compiler: Any
    converters: dict[int, Any]
    user_model: Any
    token_fields: tuple[str, ...]
    token_at: slice
    user_fields: tuple[str, ...]
    user_at: slice
    roles_at: int


def _compile(connection: Any) -> _Lookup:
    query = _with_roles().filter(digest=_SLOT)[:1].query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    select, klass_info = compiler.select, compiler.klass_info

    def columns(info: dict[str, Any]) -> tuple[tuple[str, ...], slice]:
        at = info["select_fields"]
        fields = tuple(select[i][0].target.attname for i in at)
        return fields, slice(at[0], at[-1] + 1)

    (user_info,) = klass_info["related_klass_infos"]
    token_fields, token_at = columns(klass_info)
    user_fields, user_at = columns(user_info)
    return _Lookup(
        sql=sql,
        params=tuple(params),
        slot=list(params).index(_SLOT),
        compiler=compiler,
        converters=compiler.get_converters([s[0] for s in select]),
        user_model=user_info["model"],
        token_fields=token_fields,
        token_at=token_at,
        user_fields=user_fields,
        user_at=user_at,
        roles_at=compiler.annotation_col_map["role_names"],
    )


def _lookup(alias: str) -> _Lookup:
    """The compiled lookup for ``alias``'s connection in this thread (each thread has its
    own connection, and the converters belong to it), kept on the connection."""
    connection = connections[alias]
    found: _Lookup | None = getattr(connection, "_interplay_token_lookup", None)
    if found is None:
        found = _compile(connection)
        connection._interplay_token_lookup = found  # type: ignore[attr-defined]
    return found


def _fetch(token_digest: str) -> ApiToken | None:
    """The token with ``token_digest``, its user (as ``select_related`` gives it) and the
    user's roles (``role_names``), or None: what ``_with_roles().filter(digest=...)``
    finds, in one statement."""
    alias = router.db_for_read(ApiToken)
    lookup = _lookup(alias)
    params = list(lookup.params)
    params[lookup.slot] = token_digest
    with connections[alias].cursor() as cursor:
        cursor.execute(lookup.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if lookup.converters:
        row = next(lookup.compiler.apply_converters([row], lookup.converters))
    token = ApiToken.from_db(alias, lookup.token_fields, row[lookup.token_at])
    user = lookup.user_model.from_db(alias, lookup.user_fields, row[lookup.user_at])
    ApiToken._meta.get_field("user").set_cached_value(token, user)
    token.role_names = row[lookup.roles_at]  # type: ignore[attr-defined]
    return token


def find(key: str) -> ApiToken | None:
    """The live token for ``key``, with its user and the user's roles, or None. Touches
    its last-used time.

    One query: the digest is unique, so it finds at most one row, and whether that token
    still works (not revoked, not expired, its user active) is checked on the row.
    """
    if not key.startswith(KEY_PREFIX):
        return None
    token = _fetch(digest(key))
    if token is None or not token.is_live or not token.user.is_active:
        return None
    token.user.hold_roles(getattr(token, "role_names", None))
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

"""Read and search, once for every resource type: each type's module describes itself as
a ``Kind`` (who may read it, its scoped queryset, its search parameters, how a row becomes
FHIR) and the views here do the rest.

Paging is by key (``_cursor``, the last row's key, in the ``next`` link), not by offset,
so a list that grows while a client reads it neither skips nor repeats a row. A search
costs a fixed number of queries whatever the page size: the count, the page (with what
each type selects and prefetches beside it) and the audit row.
"""

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interplay.accounts.permissions import Action
from interplay.api.fhir import access
from interplay.api.fhir.base import FhirError, not_found, validate
from interplay.api.moments import RANGE_WORDS, check_date, check_moment
from interplay.audit.services import record
from interplay.lib.keyorder import in_key_order

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Parameters every search understands, beside each type's own.
CONTROL = frozenset({"_count", "_cursor", "_format"})


@dataclass(frozen=True)
class Param:
    """One search parameter: its FHIR name and type, what it means here, and its filter."""

    name: str
    type: str
    documentation: str
    apply: Callable[[QuerySet[Any], list[str]], QuerySet[Any]]


@dataclass(frozen=True)
class Kind:
    """A FHIR resource type as Interplay serves it."""

    name: str
    readers: frozenset[Action] | None
    scope: Callable[[Any], QuerySet[Any]]
    build: Callable[[Any], list[dict[str, Any]]]
    params: tuple[Param, ...] = ()
    # The record a read is audited against, and the action: what the page would record.
    audited: Callable[[Any], tuple[str, Model] | None] = lambda row: None
    # Finds the row of an id; the default is the public id.
    lookup: Callable[[QuerySet[Any], str], Any] | None = None
    # Reads what a whole page of rows needs in one query, before any row is built.
    prepare: Callable[[list[Any]], None] | None = None
    # What the rows that are built read beside themselves (columns, annotations): applied
    # to the rows fetched, not to the search's count, and never adding or removing a row.
    # It may make them ``.values()`` rows (dicts, with the key as "pk"): no model is
    # built per row.
    fetch: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    # The rows of a page's keys (a ``.values("pk")`` query), as ``fetch`` gives them, from
    # a statement compiled once (``prepared.RowsByKeys``); without it, ``fetch``.
    by_keys: Callable[[QuerySet[Any]], list[Any]] | None = None
    # Narrows the built resources where one row gives several (Observation by code).
    narrow: Callable[[Any, list[dict[str, Any]]], list[dict[str, Any]]] | None = None


def row_of(kind: Kind, user: Any, resource_id: str) -> Any:
    access.require(user, kind.readers, kind.name)
    if kind.lookup is not None:
        return kind.lookup(fetched(kind, kind.scope(user)), resource_id)
    # A public id is unique: one row or none, so no ordering to compile or sort by.
    match = kind.scope(user).filter(public_id=as_uuid(resource_id)).order_by()
    if kind.by_keys is not None:
        return next(iter(kind.by_keys(match.values("pk")[:1])), None)
    return next(iter(fetched(kind, match)[:1]), None)


def read(kind: Kind, user: Any, resource_id: str) -> dict[str, Any]:
    """The one resource ``resource_id`` of ``kind``, audited as its page view; 404 outside
    the user's scope."""
    row = row_of(kind, user, resource_id)
    if row is None:
        raise not_found()
    if kind.prepare is not None:
        kind.prepare([row])
    resource = next((r for r in kind.build(row) if r["id"] == resource_id), None)
    if resource is None:
        raise not_found()
    audit_read(kind, user, row, f"{kind.name}/{resource_id}")
    return resource


def fetched(kind: Kind, rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows if kind.fetch is None else kind.fetch(rows)


def audit_read(kind: Kind, user: Any, row: Any, what: str) -> None:
    audited = kind.audited(row)
    if audited is not None:
        action, obj = audited
        record(actor=user, action=action, obj=obj, detail={"via": "fhir", "resource": what})


def search(kind: Kind, request: HttpRequest) -> dict[str, Any]:
    """A searchset Bundle of one page of ``kind`` matching the request's parameters."""
    user = request.user
    access.require(user, kind.readers, kind.name)
    rows = filtered(kind, kind.scope(user), request)
    count = page_size(request.GET.get("_count"))
    # Counted apart, not as a window beside the page's rows: a window would have the
    # database join every match's related rows, where the page stops after count + 1.
    total = rows.count()
    after = request.GET.get("_cursor")
    # In key order, the sort planned from how many match (the count just taken): a
    # reader's few rows among many are found through their own indexes, not by walking
    # every key (``keyorder``).
    page = in_key_order(rows, matches=total)
    if after:
        page = page.filter(pk__gt=decode(after))
    # The page's keys are chosen from the matching rows alone, and only the rows they name
    # are joined to what they read beside them: sorting every match with its related
    # values to keep count + 1 cost the database more than the rest of the page.
    keys = page.values("pk")[: count + 1]
    if kind.by_keys is not None:
        found = kind.by_keys(keys)
    else:
        found = list(fetched(kind, page.filter(pk__in=keys))[: count + 1])
    more = len(found) > count
    found = found[:count]
    if kind.prepare is not None:
        kind.prepare(found)
    resources = [resource for row in found for resource in kind.build(row)]
    if kind.narrow is not None:
        resources = kind.narrow(request.GET, resources)
    record(
        actor=user,
        action="fhir.searched",
        detail={
            "via": "fhir",
            "type": kind.name,
            "query": sorted(k for k in request.GET if k not in CONTROL),
            "resources": [r["id"] for r in resources],
            # Whose records were seen, in the shape the patient search's audit uses, so a
            # person's access log can list the searches that showed their records.
            "patients": sorted({p for r in resources if (p := patient_of(r))}),
        },
    )
    links = [("self", request.build_absolute_uri())]
    if more:
        query = request.GET.copy()
        query["_cursor"] = encode(key_of(found[-1]))
        base = request.build_absolute_uri(request.path)
        links.append(("next", f"{base}?{urlencode(sorted(query.lists()), doseq=True)}"))
    return bundle("searchset", resources, base_url(request), links=links, total=total)


def key_of(row: Any) -> int:
    """A row's primary key: a model's ``pk``, or a ``.values()`` row's ``"pk"``."""
    return int(row["pk"]) if isinstance(row, dict) else int(row.pk)


def patient_of(resource: dict[str, Any]) -> str:
    """The public id of the person a resource is about, or empty (a Questionnaire)."""
    if resource["resourceType"] == "Patient":
        return str(resource["id"])
    for key in ("subject", "patient"):
        ref = str((resource.get(key) or {}).get("reference", ""))
        if ref.startswith("Patient/"):
            return ref.removeprefix("Patient/")
    for participant in resource.get("participant") or []:
        ref = str((participant.get("actor") or {}).get("reference", ""))
        if ref.startswith("Patient/"):
            return ref.removeprefix("Patient/")
    return ""


def filtered(kind: Kind, rows: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    params = {p.name: p for p in kind.params}
    for key in request.GET:
        if key in CONTROL:
            continue
        param = params.get(key.split(":")[0])
        if param is None:
            known = ", ".join(sorted([*params, *CONTROL]))
            raise FhirError(
                400,
                "not-supported",
                f'{kind.name} cannot be searched by "{key}". Its parameters: {known}.',
            )
        rows = param.apply(rows, request.GET.getlist(key))
    return rows


def bundle(
    kind: str,
    resources: Iterable[dict[str, Any]],
    base: str,
    *,
    links: list[tuple[str, str]] | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    """A Bundle of ``resources``. The shell is validated here; each resource was validated
    as it was built, so none is checked twice."""
    shell: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": timezone.now().isoformat(),
    }
    if total is not None:
        shell["total"] = total
    if links:
        shell["link"] = [{"relation": rel, "url": url} for rel, url in links]
    validate(shell)
    entries = []
    for resource in resources:
        entry: dict[str, Any] = {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
        }
        if kind == "searchset":
            entry["search"] = {"mode": "match"}
        entries.append(entry)
    if entries:
        shell["entry"] = entries
    return shell


def base_url(request: HttpRequest) -> str:
    """The server's FHIR base, ending in a slash: ``https://host/fhir/R4/``."""
    from django.urls import reverse

    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_COUNT
    if not value.isdigit() or not 0 < int(value) <= MAX_COUNT:
        raise FhirError(400, "value", f"_count must be a whole number from 1 to {MAX_COUNT}.")
    return int(value)


def encode(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, binascii.Error):
        raise FhirError(
            400, "value", "_cursor is not one this server gave: start the search again."
        ) from None


def as_uuid(value: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


# --- The parameters' filters --------------------------------------------------------------

PREFIXES = ("eq", "ge", "gt", "le", "lt")


def date_range(value: str) -> tuple[str, dt.datetime, dt.datetime]:
    """A FHIR date parameter as (prefix, start, end): the span its precision covers.

    ``2026-09``, ``2026-09-07`` and ``2026-09-07T10:00:00+01:00`` are a month, a day and
    a second; a date without a time is a day in the service's time zone.
    """
    prefix, text = ("eq", value)
    if value[:2] in PREFIXES and not value[:2].isdigit():
        prefix, text = value[:2], value[2:]
    try:
        if "T" in text:
            moment = parse_datetime(text)
            if moment is None:
                raise ValueError(text)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            check_moment(moment)
            return prefix, moment, moment + dt.timedelta(seconds=1)
        parts = [int(p) for p in text.split("-")]
        if not 1 <= len(parts) <= 3:
            raise ValueError(text)
        year, month, day = [*parts, 1, 1][:3]
        start = dt.datetime(year, month, day)
        check_date(start.date())
        if len(parts) == 1:
            end = dt.datetime(year + 1, 1, 1)
        elif len(parts) == 2:
            end = dt.datetime(year + month // 12, month % 12 + 1, 1)
        else:
            end = start + dt.timedelta(days=1)
    except (TypeError, ValueError):
        raise FhirError(
            400,
            "value",
            f'"{value}" is not a FHIR date: write 2026-09-07 or 2026-09-07T10:00:00Z, '
            f"{RANGE_WORDS}, after a prefix (eq, ge, gt, le, lt) if needed.",
        ) from None
    return prefix, timezone.make_aware(start), timezone.make_aware(end)


def date_filter(path: str, *, is_date: bool = False) -> Callable[[QuerySet[Any], list[str]], Any]:
    """A date parameter on ``path`` (a DateTimeField, or a DateField with ``is_date``);
    several values narrow together (``date=ge2026-09-01&date=lt2026-10-01``)."""

    def apply(rows: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        for value in values:
            prefix, start, end = date_range(value)
            low: Any = start.date() if is_date else start
            high: Any = end.date() if is_date else end
            condition = {
                "eq": Q(**{f"{path}__gte": low, f"{path}__lt": high}),
                "ge": Q(**{f"{path}__gte": low}),
                "gt": Q(**{f"{path}__gte": high}),
                "lt": Q(**{f"{path}__lt": low}),
                "le": Q(**{f"{path}__lt": high}),
            }[prefix]
            rows = rows.filter(condition)
        return rows

    return apply


def token_filter(
    mapping: dict[str, Iterable[Any]], path: str = "status"
) -> Callable[[QuerySet[Any], list[str]], Any]:
    """A token parameter whose FHIR codes each stand for some of Interplay's values;
    commas mean "or", repeats mean "and"."""

    def apply(rows: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        for value in values:
            wanted: set[Any] = set()
            for code in value.split(","):
                if code not in mapping:
                    raise FhirError(
                        400,
                        "value",
                        f'"{code}" is not a code here. Codes: {", ".join(sorted(mapping))}.',
                    )
                wanted.update(mapping[code])
            rows = rows.filter(**{f"{path}__in": wanted})
        return rows

    return apply


def constant_status(code: str) -> Callable[[QuerySet[Any], list[str]], Any]:
    """A status every resource of the type has: asking for it keeps every row, asking for
    any other status finds none."""

    def apply(rows: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        for value in values:
            if code not in value.split(","):
                rows = rows.none()
        return rows

    return apply


def patient_filter(*paths: str) -> Callable[[QuerySet[Any], list[str]], Any]:
    """``patient=<id>`` or ``patient=Patient/<id>``; commas mean "or". With several
    ``paths`` (a response belongs to a course or to a referral), any of them."""

    def apply(rows: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        for value in values:
            ids = [i for i in (as_uuid(v.removeprefix("Patient/")) for v in value.split(",")) if i]
            condition = Q(pk__in=[])
            for path in paths:
                condition |= Q(**{f"{path}__in": ids})
            rows = rows.filter(condition)
        return rows

    return apply


def id_filter(path: str = "public_id") -> Callable[[QuerySet[Any], list[str]], Any]:
    def apply(rows: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        for value in values:
            ids = [as_uuid(v) for v in value.split(",")]
            rows = rows.filter(**{f"{path}__in": [i for i in ids if i]})
        return rows

    return apply


def patient_param(*paths: str) -> Param:
    return Param(
        "patient", "reference", "The patient, as Patient/<id> or <id>.", patient_filter(*paths)
    )


def updated_param(path: str, what: str) -> Param:
    return Param("_lastUpdated", "date", f"meta.lastUpdated: {what}.", date_filter(path))


def id_param() -> Param:
    return Param("_id", "token", "The resource's id.", id_filter())

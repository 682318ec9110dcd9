"""Entity tags for API updates, so two writers cannot silently overwrite each other.

A GET sends ``ETag``: a digest of the record's public id and whatever changes when the
record does (its change time, its status). An update must send it back as ``If-Match``:
without it the answer is 428, and when the record has changed since (the tag no longer
matches) 412, both as problem details. Update endpoints check the tag inside the
transaction that changes the record, with the row locked, so the check and the change
cannot be split by another writer.
"""

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError


def tag(public_id: Any, *versions: Any) -> str:
    """A strong entity tag for the record ``public_id`` in the state ``versions``."""
    raw = "|".join([str(public_id), *(_text(v) for v in versions)])
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _text(value: Any) -> str:
    if value is None:
        return "-"
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def send(response: HttpResponse, etag: str) -> None:
    response["ETag"] = etag


def check(request: HttpRequest, current: str) -> None:
    """Refuse an update whose ``If-Match`` is missing (428) or stale (412)."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent:
        raise HttpError(
            428,
            "Send 'If-Match' with the ETag of your last GET of this record, so a change "
            "someone made meanwhile is not overwritten.",
        )
    offered = [t.strip() for t in sent.split(",")]
    # Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    if "*" in offered or current in offered:
        return
    raise HttpError(
        412,
        "This record has changed since you read it: GET it again, check what changed, "
        "and send its new ETag in 'If-Match'.",
    )

"""``Idempotency-Key`` on POST: a client that is unsure whether its request arrived (a
timeout, a dropped connection) sends it again with the same key and gets the same answer,
and the record is made once.

The key is remembered per token for 24 hours (``IdempotentRequest``) with a digest of the
request and the answer it got. The same key with a different request is refused (422):
the client has reused a key by mistake, and answering with the first record would hide it.
Only answers that made something (2xx) are kept; a refused request may be corrected and
sent again under the same key.

Two copies sent at once both miss the stored answer and both run: each write endpoint
also passes the key to its service (the referral's submission token), so the service makes
one record and the second copy finds it.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from pydantic import BaseModel

from interplay.api.auth import token_of
from interplay.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
DESCRIPTION = (
    "Optional: any unique string (a UUID is best), at most 255 characters. Sent again with "
    "the same request within 24 hours, the first answer comes back and nothing is made twice."
)
Answer = tuple[int, Any]


def digest(request: HttpRequest) -> str:
    what = b"\n".join([request.method.encode() if request.method else b"", request.path.encode()])
    return hashlib.sha256(what + b"\n" + request.body).hexdigest()


def derived_uuid(request: HttpRequest, key: str) -> uuid.UUID:
    """A UUID that the same token and key always give: a service's own duplicate guard."""
    return uuid.uuid5(token_of(request).public_id, key)


def once(request: HttpRequest, key: str | None, run: Callable[[], Answer]) -> Answer:
    """``run()``'s answer, or the answer already given to this token's ``key``."""
    if key is None:
        return run()
    if not 1 <= len(key) <= 255:
        raise HttpError(400, f"{HEADER} must be 1 to 255 characters.")
    token = token_of(request)
    asked = digest(request)
    kept = IdempotentRequest.objects.live().filter(token=token, key=key).first()
    if kept is not None:
        if kept.request_digest != asked:
            raise HttpError(
                422,
                f"This {HEADER} was used within the last 24 hours with a different request. "
                "Use a new key for a new request.",
            )
        request.idempotent_replay = True  # type: ignore[attr-defined]
        return kept.status, kept.body
    status, body = run()
    if 200 <= status < 300:
        _keep(token, key, asked, status, body)
    return status, body


def _keep(token: Any, key: str, asked: str, status: int, body: Any) -> None:
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    IdempotentRequest.objects.filter(
        created_at__lte=timezone.now() - IdempotentRequest.KEEP
    ).delete()
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                token=token, key=key, request_digest=asked, status=status, body=stored
            )
    except IntegrityError:
        pass  # a copy sent at the same moment kept its answer first: the same answer

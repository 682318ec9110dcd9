"""Cursor pagination for API lists: stable under inserts, one query per page.

The cursor is the opaque, URL-safe encoding of the last row's key; a page is the rows
after it in key order. Offsets are not offered: a list that grows while being read would
skip or repeat rows.
"""

import base64
import binascii
from typing import Any

from django.db.models import Model, QuerySet
from ninja.errors import HttpError

from interplay.lib.keyorder import in_key_order

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = int(base64.urlsafe_b64decode(padded.encode()).decode())
        if not 0 <= key < 2**63:
            raise ValueError(key)
        return key
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise HttpError(
            400, "The cursor is not one this API gave: start again without it."
        ) from error


def page[M: Model](
    queryset: QuerySet[M], *, cursor: str | None, limit: int = DEFAULT_LIMIT
) -> tuple[list[M], str | None]:
    """Up to ``limit`` rows after ``cursor`` in key order, and the cursor of the next page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    if cursor:
        queryset = queryset.filter(pk__gt=decode(cursor))
    # In key order, planned for a reader's few rows among many (``keyorder``).
    rows = list(in_key_order(queryset)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode(rows[-1].pk) if more and rows else None)


def envelope(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}

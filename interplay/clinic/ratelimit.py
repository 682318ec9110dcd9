"""Counting a request against a rate limit, in one statement.

django-ratelimit decides what a limit counts: the request's key (its address, or a
function of the request), the window a rate such as ``10/h`` gives, and the counter's
cache key. Its ``get_usage(..., increment=True)`` then counts by the cache's ``add`` and,
once the window's counter exists, ``incr``: two statements on every request but the
first of a window. ``usage`` takes django-ratelimit's key, window and cache key as they
are and counts with the counter cache's ``hit`` (``interplay.clinic.ratecache``), one
``INSERT ... ON CONFLICT ... RETURNING``: the same counter, the same answer, one round
trip to the database fewer on every counted request. With any other cache (the tests'
in-memory one) it is ``get_usage`` itself.
"""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit import core

Rate = str | Callable[[str, HttpRequest], str | None]
Key = str | Callable[[str, HttpRequest], str]


def usage(request: HttpRequest, *, group: str, key: Key, rate: Rate) -> dict[str, Any] | None:
    """Count this request against ``group``'s limit; django-ratelimit's ``get_usage(...,
    increment=True, method=ALL)``: None where no limit applies, else ``count``, ``limit``,
    ``should_limit`` and ``time_left``."""
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    hit = getattr(cache, "hit", None)
    if hit is None or not getattr(settings, "RATELIMIT_ENABLE", True):
        return core.get_usage(request, group=group, key=key, rate=rate, increment=True)
    limit_rate = rate(group, request) if callable(rate) else rate
    if limit_rate is None:
        return None
    limit, period = core._split_rate(limit_rate)
    value = key(group, request) if callable(key) else core._SIMPLE_KEYS[key](request)
    window = core._get_window(value, period)
    cache_key = core._make_cache_key(group, window, limit_rate, value, core.ALL)
    count = hit(cache_key, period + core.EXPIRATION_FUDGE)
    return {
        "count": count,
        "limit": limit,
        "should_limit": count > limit,
        "time_left": window - int(time.time()),
    }


def is_limited(request: HttpRequest, *, group: str, key: Key, rate: Rate) -> bool:
    """Count this request; True once it is over ``group``'s limit (``is_ratelimited``)."""
    counted = usage(request, group=group, key=key, rate=rate)
    return counted is not None and bool(counted["should_limit"])

"""The paths of pages, reversed once per view, not once per link.

``reverse()`` searches the URL patterns on every call (tens of microseconds); a list page
links every row, often to several pages, and every staff page links a dozen others in its
header, so the reversals cost more than the rows. A view without arguments has one path;
the path of a view whose one argument is a UUID differs between records only in that UUID:
reverse it once with a placeholder and put each id in its place. Anything else (another
argument type) goes through ``reverse()`` as before. Remembered per script prefix and
URLconf, as ``reverse()`` would read them. Knows no app.
"""

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = str(uuid.UUID(int=0))


@functools.lru_cache(maxsize=1024)
def _around(viewname: str, with_id: bool, prefix: str, urlconf: Any) -> tuple[str, str]:
    """What comes before and after the id in ``viewname``'s path (all of it, without)."""
    if not with_id:
        return reverse(viewname, urlconf=urlconf), ""
    path = reverse(viewname, args=[_PLACEHOLDER], urlconf=urlconf)
    before, found, after = path.partition(_PLACEHOLDER)
    if not found or _PLACEHOLDER in after:
        raise NoReverseMatch(f"{viewname} does not take one id")
    return before, after


def path_to(viewname: str, *args: Any) -> str:
    """``reverse(viewname, args=args)``, without searching the patterns each time when
    there is no argument or one UUID."""
    # The URLconf as reverse() reads it: this request's, else the settings' (named, so a
    # test that swaps ROOT_URLCONF is not given a path remembered from another).
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    if not args:
        return _around(viewname, False, get_script_prefix(), urlconf)[0]
    if len(args) == 1 and isinstance(args[0], uuid.UUID):
        before, after = _around(viewname, True, get_script_prefix(), urlconf)
        return f"{before}{args[0]}{after}"
    return reverse(viewname, args=args)


def id_paths(viewname: str) -> Callable[[Any], str]:
    """``path_to(viewname, id)`` for the many ids of one list: the URLconf and script
    prefix read once, not once a link."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _around(viewname, True, get_script_prefix(), urlconf)

    def path(public_id: Any) -> str:
        if isinstance(public_id, uuid.UUID):
            return f"{before}{public_id}{after}"
        return path_to(viewname, public_id)

    return path

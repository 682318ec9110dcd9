"""Search terms kept out of URLs.

A search form posts its terms; they are kept in the signed-in person's session, sealed
with the encryption key, under a short random key, and the results are shown at
``?search=<key>`` (with ``&page=N``). So a name, an NHS number or a reference typed into
a search never reaches a URL, and with it no access log, Referer header or browser
history. The last few searches are kept, so going back to an earlier results page works.
"""

import json
import secrets
from urllib.parse import urlencode

from django.http import HttpRequest

from interplay.lib.crypto import decrypt_text, encrypt_text

SESSION_KEY = "interplay_searches"
KEEP = 10
PARAMETER = "search"


def keep(request: HttpRequest, scope: str, terms: dict[str, str]) -> str:
    """Keep ``terms`` for the page ``scope``; the URL of their results page."""
    key = secrets.token_urlsafe(9)
    kept = dict(request.session.get(SESSION_KEY, {}))
    kept[key] = {"scope": scope, "terms": encrypt_text(json.dumps(terms))}
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEEP:])
    return f"{request.path}?{urlencode({PARAMETER: key})}"


def recall(request: HttpRequest, scope: str) -> dict[str, str] | None:
    """The terms this results page was asked for, or None (none, or no longer kept)."""
    entry = request.session.get(SESSION_KEY, {}).get(request.GET.get(PARAMETER, ""))
    if not entry or entry.get("scope") != scope:
        return None
    terms: dict[str, str] = json.loads(decrypt_text(entry["terms"], what="a kept search"))
    return terms

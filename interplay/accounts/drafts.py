"""Keeping a half-written form across the idle timeout, and giving it back after sign-in."""

import json
from urllib.parse import urlsplit

from django.http import HttpRequest, QueryDict

from interplay.accounts.models import Draft, User

NOT_KEPT = {"csrfmiddlewaretoken"}


def page_of(request: HttpRequest) -> str:
    """The page the form was on: the same-origin referring page, else the posted path."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.path and referer.netloc in ("", request.get_host()):
        return referer.path
    return request.path


def keep(request: HttpRequest, user: User) -> str:
    """Store the POST as a draft of its page; returns that page."""
    page = page_of(request)
    fields = {k: v for k, v in request.POST.lists() if k not in NOT_KEPT}
    Draft.objects.update_or_create(user=user, page=page, defaults={"data": json.dumps(fields)})
    return page


def take(request: HttpRequest) -> QueryDict | None:
    """The draft kept for this page, if any, removed as it is handed back."""
    user = request.user
    if not isinstance(user, User):
        return None
    draft = Draft.objects.filter(user=user, page=request.path).first()
    if draft is None:
        return None
    draft.delete()
    data = QueryDict(mutable=True)
    for name, values in json.loads(draft.data).items():
        data.setlist(name, values)
    return data

"""The audit viewer: the trail, filtered, and who looked at one record. Administrators only.

Both pages read a constant number of queries whatever the trail's size: a count and one
page of events (the person's name comes in the same query), then the audit row of the
look itself.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from interplay.accounts import searches
from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit import services
from interplay.audit.forms import EventFilterForm
from interplay.audit.models import AuditEvent, AuditEventQuerySet

PAGE_SIZE = 50
# What the access list shows: never the whole account row (its password hash included).
ACCESS_FIELDS = (
    "sequence",
    "at",
    "action",
    "actor_label",
    "client_address",
    "actor__username",
    "actor__first_name",
    "actor__last_name",
)


@dataclass(frozen=True)
class Subject:
    """A kind of record whose accesses can be listed (a subject access request).

    Named by model label, not imported: the audit trail depends on no clinical app.
    ``listed_in`` maps a list page's action to the detail key naming the records it showed.
    """

    model: str
    noun: str
    shown_as: str = "reference"
    listed_in: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


REFERRAL = Subject(
    model="referrals.Referral",
    noun="referral",
    listed_in={"triage_queue.viewed": "referrals"},
    labels={
        "referral.viewed": "Opened the referral",
        "triage_queue.viewed": "Saw it listed on the triage queue",
    },
)


def _page(
    request: HttpRequest, events: AuditEventQuerySet
) -> tuple[Page[AuditEvent], Paginator[AuditEvent]]:
    paginator = Paginator(events, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # Read now, before this look is itself recorded, so the page shows the trail as it was.
    page.object_list = list(page.object_list)
    return page, paginator


@require_http_methods(["GET", "POST"])
@require(Action.VIEW_AUDIT)
def events(request: HttpRequest) -> HttpResponse:
    """The trail, filtered. Filters are posted and kept in the session; the results are at
    ``?search=<key>`` (``accounts.searches``): a username or record id typed here never
    appears in a URL or a log line."""
    context: dict[str, object] = {"referral_type": REFERRAL.model.lower()}
    if request.method == "POST":
        posted = EventFilterForm(request.POST)
        if not posted.is_valid():
            services.view_events(actor=request.user, rejected=sorted(posted.errors))
            return render(request, "audit/events.html", context | {"form": posted}, status=400)
        return redirect(searches.keep(request, "audit", _filter_inputs(request, posted)))
    form = EventFilterForm(searches.recall(request, "audit") or {})
    form.is_valid()  # kept filters were valid when posted
    page, paginator = _page(request, _matching(form.cleaned_data))
    services.view_events(actor=request.user, filters=form.filters(), page=page.number)
    context |= {"form": form, "page": page, "paginator": paginator}
    return render(request, "audit/events.html", context | {"filtered": bool(form.filters())})


def _filter_inputs(request: HttpRequest, form: EventFilterForm) -> dict[str, str]:
    """What was typed into the filters' inputs (a date is three: ``date_from_0``...)."""
    return {
        key: str(request.POST.get(key, ""))
        for key in request.POST
        if any(key == name or key.startswith(f"{name}_") for name in form.fields)
    }


def _matching(data: Mapping[str, object]) -> AuditEventQuerySet:
    start, end = data.get("date_from"), data.get("date_to")
    return AuditEvent.objects.matching(
        actor=str(data.get("actor") or ""),
        action=str(data.get("action") or ""),
        record=str(data.get("record") or ""),
        since=_start_of(start) if isinstance(start, dt.date) else None,
        before=_start_of(end + dt.timedelta(days=1))
        if isinstance(end, dt.date) and end < dt.date.max
        else None,
    )


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the service's own time zone, so a day means the day staff lived."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@require_GET
@require(Action.VIEW_AUDIT)
def access(request: HttpRequest, public_id: UUID, subject: Subject) -> HttpResponse:
    """Who looked at one record and when, newest first."""
    records = apps.get_model(subject.model)._default_manager.only("public_id", subject.shown_as)
    obj = get_object_or_404(records, public_id=public_id)
    looks = (
        AuditEvent.objects.views_of(obj, listed_in=subject.listed_in)
        .select_related("actor")
        .only(*ACCESS_FIELDS)
    )
    page, paginator = _page(request, looks)
    services.view_access(actor=request.user, obj=obj, page=page.number)
    context = {
        "subject": subject,
        "obj": obj,
        "name": getattr(obj, subject.shown_as),
        "page": page,
        "paginator": paginator,
    }
    return render(request, "audit/access.html", context)

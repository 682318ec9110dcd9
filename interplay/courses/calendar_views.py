"""The therapist's calendar page and the iCalendar feed."""

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record
from interplay.courses import calendar, shared
from interplay.courses.models import CalendarFeed


@require_GET
@require(Action.RUN_COURSE)
def week(request: HttpRequest) -> HttpResponse:
    """Today and this week (or the week of ``?day=YYYY-MM-DD``)."""
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        day = today
    start = calendar.week_start(day)
    # Each group session I facilitate once, beside my own sessions (members' places left out).
    meetings = shared.meetings(request.user, start, start + dt.timedelta(days=7))
    sessions: list[Any] = [*calendar.week_of(request.user, day), *meetings]
    sessions.sort(key=lambda a: a.starts_at)
    days = [
        (date, list(items))
        for date, items in groupby(sessions, key=lambda a: timezone.localtime(a.starts_at).date())
    ]
    monday = start.date()
    feed = CalendarFeed.objects.filter(therapist_id=request.user.pk).first()
    feed_url = (
        request.build_absolute_uri(reverse("calendar_feed", args=[feed.token])) if feed else ""
    )
    record(
        actor=request.user,
        action="calendar.viewed",
        detail={
            "week_of": monday.isoformat(),
            "sessions": len(sessions) - len(meetings),
            "group_sessions": len(meetings),
        },
    )
    context = {
        "days": days,
        "today": today,
        "monday": monday,
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "feed_url": feed_url,
    }
    return render(request, "courses/calendar.html", context)


@require_POST
@require(Action.RUN_COURSE)
def issue_feed(request: HttpRequest) -> HttpResponse:
    calendar.new_feed(actor=request.user)
    messages.success(
        request, "Your calendar address is ready. Any earlier address has stopped working."
    )
    return redirect("calendar")


@require_POST
@require(Action.RUN_COURSE)
def revoke_feed(request: HttpRequest) -> HttpResponse:
    calendar.revoke_feed(actor=request.user)
    messages.success(request, "Your calendar address has stopped working.")
    return redirect("calendar")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: the secret in the address is the only key, so it holds no names."""
    found = CalendarFeed.objects.select_related("therapist").filter(token=token).first()
    if found is None or not found.therapist.is_active:
        raise Http404
    groups = shared.feed_events(found.therapist, *calendar.feed_window(timezone.now()))
    body = calendar.feed_ics(found, groups)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response

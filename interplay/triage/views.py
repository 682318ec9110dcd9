"""The triage queue: referrals awaiting a decision, urgent first, then the longest waiting."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.triage import services

PAGE_SIZE = 25


@require_GET
@require(Action.VIEW_TRIAGE_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(services.queue_for(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    services.view_queue(actor=request.user, referrals=page.object_list)
    return render(request, "triage/queue.html", {"page": page, "paginator": paginator})

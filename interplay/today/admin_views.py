"""The administrator's day (``/today/administrator/``) and the two things done from it.

The page lists; retrying a failed job and unlocking an account are POSTs that call the
services (``clinic.services.retry_job``, ``accounts.services.unlock_account``), which
check permission and audit, then come back to the page, where the item has gone.
"""

import uuid

from axes.models import AccessAttempt
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_tasks_db.models import DBTaskResult

from interplay.accounts import services as accounts
from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.clinic import jobs
from interplay.clinic import services as clinic
from interplay.lib.errors import RuleViolation
from interplay.today import administrator


@require_GET
@require(Action.MANAGE_USERS)
def day(request: HttpRequest) -> HttpResponse:
    """What needs the administrator today: failed jobs, backups, lockouts, staff, training."""
    return render(request, "today/administrator.html", administrator.context(request))


@require_POST
@require(Action.CONFIGURE_SERVICE)
def retry_job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Send a failed job again, then back to the day, where it has left the list."""
    job = get_object_or_404(DBTaskResult, pk=job_id)
    try:
        clinic.retry_job(actor=request.user, job_id=str(job.pk))  # type: ignore[arg-type]
    except RuleViolation as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{jobs.describe(job).kind}: sent again.")
    return redirect("today:administrator")


@require_POST
@require(Action.MANAGE_USERS)
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift a lockout before it lapses, then back to the day."""
    attempt = AccessAttempt.objects.filter(pk=pk).only("username").first()
    if attempt is None:
        messages.info(request, "That account is no longer locked out.")
    else:
        accounts.unlock_account(actor=request.user, username=attempt.username or "")  # type: ignore[arg-type]
        messages.success(request, f"{attempt.username} can sign in again.")
    return redirect("today:administrator")

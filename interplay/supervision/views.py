"""The supervisor's pages: every supervisee's caseload, and writing a supervision note."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.supervision import services
from interplay.supervision.caseloads import caseloads
from interplay.supervision.forms import NoteForm
from interplay.supervision.permissions import supervised_courses


@require_GET
@require(Action.SUPERVISE)
def index(request: HttpRequest) -> HttpResponse:
    """Each supervisee's active courses: where each is, the latest scores and the flags."""
    people = caseloads(request.user)
    rows = [row for person in people for row in person.rows]
    record(
        actor=request.user,
        action="supervision.viewed",
        detail={"courses": [str(row.course.public_id) for row in rows]},
    )
    context = {
        "people": people,
        "courses": len(rows),
        "flagged": sum(1 for row in rows if row.flags),
    }
    return render(request, "supervision/index.html", context)


@require_http_methods(["GET", "POST"])
@require(Action.SUPERVISE)
def note(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Write a supervision note on a supervisee's course; others' courses answer 404."""
    course = get_object_or_404(
        supervised_courses(request.user).select_related("patient", "therapist"),
        public_id=public_id,
    )
    form = NoteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.record_note(
                    actor=request.user,
                    course=course,
                    text=form.cleaned_data["text"],
                    submission_token=form.cleaned_data["submission_token"] or uuid.uuid4(),
                )
            except PermissionDenied:
                return render(request, "403.html", status=403)
            except RuleViolation as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
                status = 409
            else:
                messages.success(request, "Supervision note recorded.")
                url = reverse("courses:detail", args=[course.public_id])
                return redirect(f"{url}#supervision-notes")
    else:
        record(actor=request.user, action="course.viewed", obj=course, detail={"page": "note"})
    return render(request, "supervision/note.html", {"course": course, "form": form}, status=status)

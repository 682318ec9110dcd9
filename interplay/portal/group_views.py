"""The patient's group: its name, day, time and place, and its sessions; the invitation
to accept or decline. Never another member's name, answers or scores: the page reads
the group's own fields and the patient's own place only."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from interplay.audit.actors import PatientActor
from interplay.audit.services import record as audit
from interplay.groups import services as groups
from interplay.groups.models import GroupMember
from interplay.lib.errors import RuleViolation
from interplay.portal import session


@require_GET
@session.patient_required
def group(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    places = groups.places_of(actor.patient)
    audit(actor=actor, action="portal.group_viewed", obj=actor.patient)
    return render(request, "portal/group.html", {"places": places})


@require_POST
@session.patient_required
def answer(request: HttpRequest, actor: PatientActor, public_id: uuid.UUID) -> HttpResponse:
    member = GroupMember.objects.filter(
        public_id=public_id, referral__patient=actor.patient
    ).first()
    if member is None:
        raise Http404
    choice = request.POST.get("answer")
    if choice not in ("yes", "no"):
        messages.error(request, "Choose whether you would like to join the group.")
        return redirect("portal:group")
    try:
        groups.respond_to_invitation(actor=actor, member=member, accept=choice == "yes")
    except RuleViolation as error:
        messages.error(request, str(error))
        return redirect("portal:group")
    if choice == "yes":
        messages.success(request, "Thank you: you have a place in the group.")
    else:
        messages.success(request, "Thank you for telling us. You stay on the waiting list.")
    return redirect("portal:group")

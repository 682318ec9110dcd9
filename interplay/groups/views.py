"""Groups: the list, forming a group from the waiting list, the group's page (schedule,
members' attendance, summary), each session's page (attendance and the group record).

The ladder: anonymous, sign in; a role that may not see groups, 403; a group outside
the user's scope, 404; a manager sees a group's counts only, never names or notes.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.courses.permissions import visible_courses
from interplay.groups import permissions, running, services
from interplay.groups import rules as group_rules
from interplay.groups.forms import (
    AttendanceForm,
    FormGroupForm,
    GroupRecordForm,
    InviteForm,
    LeaveForm,
)
from interplay.groups.models import Group, GroupMember, GroupSession, GroupStatus, MemberStatus
from interplay.groups.schedule import group_protocols
from interplay.groups.summary import summarise
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.referrals.models import Referral


def _refused(form: forms.Form, error: RuleViolation) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


@require_GET
@require(Action.VIEW_GROUPS)
def index(request: HttpRequest) -> HttpResponse:
    """The groups I facilitate or supervise (a manager: every group), with member counts."""
    groups = list(services.groups_with_counts(request.user))
    record(actor=request.user, action="groups.viewed", detail={"groups": len(groups)})
    context = {"groups": groups, "may_form": can(request.user, Action.FORM_GROUP)}
    return render(request, "groups/index.html", context)


def _waiting() -> list[Referral]:
    return list(
        services.waiting_for_a_group().only("public_id", "reference", "first_name", "last_name")
    )


@require_http_methods(["GET", "POST"])
@require(Action.FORM_GROUP)
def form(request: HttpRequest) -> HttpResponse:
    """Form a group and invite people from the group IPT waiting list, in one step."""
    waiting = _waiting()
    kwargs: dict[str, Any] = {"protocols": group_protocols(), "waiting": waiting}
    if request.method == "GET":
        bound = FormGroupForm(initial={"lead": request.user.pk}, **kwargs)
        return render(request, "groups/form.html", {"form": bound, "waiting": waiting})
    bound = FormGroupForm(request.POST, **kwargs)
    if bound.is_valid():
        try:
            group = _form_and_invite(request, bound.cleaned_data, waiting)
        except PermissionDenied:
            return _forbidden(request)
        except RuleViolation as error:
            _refused(bound, error)
        else:
            messages.success(request, f"{group.name} formed.")
            return redirect("groups:detail", public_id=group.public_id)
    return render(request, "groups/form.html", {"form": bound, "waiting": waiting}, status=400)


@transaction.atomic
def _form_and_invite(request: HttpRequest, data: dict[str, Any], waiting: list[Referral]) -> Group:
    chosen = set(data.pop("members"))
    data["at"] = data.pop("time")
    group = services.form_group(actor=request.user, **data)
    for referral in waiting:
        if str(referral.public_id) in chosen:
            services.invite_member(actor=request.user, group=group, referral=referral)
    return group


def _group(request: HttpRequest, public_id: uuid.UUID) -> Group:
    visible = permissions.visible_groups(request.user).select_related(
        "lead", "co_facilitator", "supervisor", "room"
    )
    return get_object_or_404(visible, public_id=public_id)


@require_GET
@require(Action.VIEW_GROUPS)
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    group = _group(request, public_id)
    record(actor=request.user, action="group.viewed", obj=group, detail={})
    return _detail_page(request, group)


def _detail_page(
    request: HttpRequest, group: Group, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    names = permissions.sees_members(request.user, group)
    organiser = permissions.organises(request.user, group)
    summary = summarise(group)
    now = timezone.now()
    # A closed group takes no one after its session 2: nothing to invite from then on.
    ends = {row.session.number: row.session.ends_at for row in summary.sessions}
    closed = group_rules.closed_to_newcomers(now, ends)
    open_to_new = organiser and group.status != GroupStatus.ENDED and not closed
    waiting = _waiting() if open_to_new else []
    context = {
        "group": group,
        "summary": summary,
        "names": names,
        "runs": permissions.runs(request.user, group),
        "organiser": organiser,
        "invite_form": invite_form or (InviteForm(waiting=waiting) if waiting else None),
        "closed": closed and group.status != GroupStatus.ENDED,
        "may_end": group.status == GroupStatus.RUNNING
        and all(row.session.starts_at < now for row in summary.sessions),
        "leave_form": LeaveForm(),
        # Each member's course page opens to its therapist and their supervisor only.
        "openable": set(
            visible_courses(request.user)
            .filter(pk__in=[row.member.course_id for row in summary.members])
            .values_list("pk", flat=True)
        )
        if names
        else set(),
        "accepted": summary.count(MemberStatus.ACCEPTED),
    }
    return render(request, "groups/detail.html", context, status=status)


def _organised(request: HttpRequest, public_id: uuid.UUID) -> Group:
    group = _group(request, public_id)
    if not permissions.organises(request.user, group):
        raise PermissionDenied("Only the group's facilitators or a manager do this.")
    return group


@require_POST
@require(Action.FORM_GROUP)
def invite(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        group = _organised(request, public_id)
    except PermissionDenied:
        return _forbidden(request)
    waiting = _waiting()
    bound = InviteForm(request.POST, waiting=waiting)
    if not bound.is_valid():
        return _detail_page(request, group, bound, status=400)
    chosen = set(bound.cleaned_data["members"])
    try:
        with transaction.atomic():
            for referral in waiting:
                if str(referral.public_id) in chosen:
                    services.invite_member(actor=request.user, group=group, referral=referral)
    except RuleViolation as error:
        _refused(bound, error)
        return _detail_page(request, group, bound, status=409)
    messages.success(request, f"{len(chosen)} invited.")
    return redirect("groups:detail", public_id=group.public_id)


def _act(request: HttpRequest, group: Group, act: Any, done: str) -> HttpResponse:
    try:
        act()
    except PermissionDenied:
        return _forbidden(request)
    except RuleViolation as error:
        messages.error(request, str(error))
        return _detail_page(request, group, status=409)
    messages.success(request, done)
    return redirect("groups:detail", public_id=group.public_id)


@require_POST
@require(Action.FORM_GROUP)
def start(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    group = _group(request, public_id)
    act = lambda: services.start_group(actor=request.user, group=group)  # noqa: E731
    return _act(request, group, act, "The group has started: its sessions are booked.")


@require_POST
@require(Action.RUN_GROUP)
def end(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    group = _group(request, public_id)
    act = lambda: running.end_group(actor=request.user, group=group)  # noqa: E731
    return _act(request, group, act, "The group has ended: its members have finished.")


@require_POST
@require(Action.RUN_GROUP)
def leave(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    member = get_object_or_404(
        GroupMember.objects.filter(group__in=permissions.visible_groups(request.user)),
        public_id=public_id,
    )
    bound = LeaveForm(request.POST)
    if not bound.is_valid():
        messages.error(request, "Say why the member is leaving.")
        return redirect("groups:detail", public_id=member.group.public_id)
    reason = bound.cleaned_data["reason"]
    act = lambda: running.member_leaves(actor=request.user, member=member, reason=reason)  # noqa: E731
    return _act(request, member.group, act, "The member has left; the group goes on.")


# --- One session ------------------------------------------------------------------


def _session(request: HttpRequest, public_id: uuid.UUID) -> GroupSession:
    """A session of a group whose members the user sees; a manager's is 403 (no notes)."""
    session = get_object_or_404(
        GroupSession.objects.filter(
            group__in=permissions.visible_groups(request.user)
        ).select_related("group", "signed_by"),
        public_id=public_id,
    )
    if not permissions.sees_members(request.user, session.group):
        raise PermissionDenied("Managers see a group's counts, never its records.")
    return session


def _seated(session: GroupSession) -> list[tuple[GroupMember, Any]]:
    seats = running.places(session)
    members = GroupMember.objects.filter(pk__in=seats).select_related("referral")
    return [(m, seats[m.pk]) for m in members.order_by("invited_at", "id")]


def _session_page(
    request: HttpRequest,
    session: GroupSession,
    attendance_form: AttendanceForm | None = None,
    record_form: GroupRecordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    phase = running.phase(session)
    seated = _seated(session)
    context = {
        "session": session,
        "group": session.group,
        "phase": phase,
        "runs": permissions.runs(request.user, session.group),
        "seated": seated,
        "attendance_form": attendance_form or AttendanceForm(members=seated),
        "record_form": record_form
        or GroupRecordForm(
            tasks=list(phase.tasks),
            initial={"tasks_done": session.tasks_done, "notes": session.notes},
        ),
        "done": set(session.tasks_done),
    }
    return render(request, "groups/session.html", context, status=status)


@require_GET
@require(Action.VIEW_GROUPS)
def session(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        found = _session(request, public_id)
    except PermissionDenied:
        return _forbidden(request)
    record(
        actor=request.user,
        action="group.session_viewed",
        obj=found.group,
        detail={"session": found.number},
    )
    return _session_page(request, found)


def _session_post(request: HttpRequest, public_id: uuid.UUID) -> GroupSession:
    found = _session(request, public_id)
    if not permissions.runs(request.user, found.group):
        raise PermissionDenied("Only the group's facilitators do this.")
    return found


def _back(found: GroupSession) -> HttpResponse:
    return redirect("groups:session", public_id=found.public_id)


@require_POST
@require(Action.RUN_GROUP)
def attendance_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        found = _session_post(request, public_id)
    except PermissionDenied:
        return _forbidden(request)
    bound = AttendanceForm(request.POST, members=_seated(found))
    if not bound.is_valid():
        return _session_page(request, found, attendance_form=bound, status=400)
    try:
        raised = running.record_group_attendance(
            actor=request.user, session=found, statuses=bound.statuses()
        )
    except RuleViolation as error:
        _refused(bound, error)
        return _session_page(request, found, attendance_form=bound, status=409)
    note = f" {len(raised)} task(s) raised on members' courses." if raised else ""
    messages.success(request, f"Attendance recorded.{note}")
    return _back(found)


@require_POST
@require(Action.RUN_GROUP)
def save_record(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        found = _session_post(request, public_id)
    except PermissionDenied:
        return _forbidden(request)
    bound = GroupRecordForm(request.POST, tasks=list(running.phase(found).tasks))
    if not bound.is_valid():
        return _session_page(request, found, record_form=bound, status=400)
    try:
        running.save_group_record(actor=request.user, session=found, **bound.cleaned_data)
    except RuleViolation as error:
        _refused(bound, error)
        return _session_page(request, found, record_form=bound, status=409)
    messages.success(request, "Group record saved.")
    return _back(found)


@require_POST
@require(Action.RUN_GROUP)
def sign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        found = _session_post(request, public_id)
        running.sign_group_record(actor=request.user, session=found)
    except PermissionDenied:
        return _forbidden(request)
    except RuleViolation as error:
        messages.error(request, str(error))
        return _session_page(request, found, status=409)
    messages.success(request, "Group record signed.")
    return _back(found)

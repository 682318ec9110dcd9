"""Changes to staff accounts. Each checks permission, runs in one transaction and audits."""

import datetime as dt

from axes.models import AccessAttempt
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device

from interplay.accounts import two_factor
from interplay.accounts.models import (
    AuthenticatorApp,
    BackupCodes,
    ClinicianProfile,
    Leave,
    Qualification,
    RoleAssignment,
    User,
    WorkingHours,
)
from interplay.accounts.permissions import Action, can
from interplay.accounts.roles import Role
from interplay.accounts.rules import leave_problem, qualification_problem, working_hours_problem
from interplay.audit.services import record
from interplay.lib.errors import PermissionDenied, RuleViolation


def _require(actor: User | None, action: Action) -> None:
    # actor=None is the system itself (demo loader, management commands run by an operator).
    if actor is not None and not can(actor, action):
        raise PermissionDenied(f"{actor} may not {action}.")


@transaction.atomic
def save_user(*, actor: User | None, user: User, changed: list[str]) -> User:
    """Create or change a staff account; the audit row names the fields, not their values."""
    _require(actor, Action.MANAGE_USERS)
    created = user.pk is None
    user.save()
    fields = [name for name in changed if name not in {"password", "password1", "password2"}]
    if "password" in changed or "password1" in changed:
        fields.append("password")
    record(
        actor=actor,
        action="user.created" if created else "user.changed",
        obj=user,
        detail={"fields": fields},
    )
    return user


@transaction.atomic
def grant_role(*, actor: User | None, user: User, role: Role) -> RoleAssignment:
    """Give ``user`` a role. Administrators also get Django's admin flags, for /admin/."""
    _require(actor, Action.MANAGE_USERS)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, defaults={"granted_by": actor}
    )
    if role == Role.ADMINISTRATOR and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if created:
        record(actor=actor, action="role.granted", obj=user, detail={"role": role.value})
    user.__dict__.pop("_roles_cache", None)
    return assignment


@transaction.atomic
def revoke_role(*, actor: User | None, user: User, role: Role) -> None:
    """Take a role away; losing administrator also closes /admin/ to them."""
    _require(actor, Action.MANAGE_USERS)
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role).delete()
    if role == Role.ADMINISTRATOR:
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    if deleted:
        record(actor=actor, action="role.revoked", obj=user, detail={"role": role.value})
    user.__dict__.pop("_roles_cache", None)


@transaction.atomic
def grant_qualification(
    *,
    actor: User | None,
    profile: ClinicianProfile,
    modality: str,
    expires_on: dt.date | None = None,
) -> Qualification:
    """Record that a clinician may deliver ``modality``, if the training rule allows it.

    Raises RuleViolation for DIT without 150 supervised psychodynamic hours
    (docs/clinical-rules.md 2.6).
    """
    _require(actor, Action.GRANT_QUALIFICATION)
    problem = qualification_problem(modality, profile.psychodynamic_supervised_hours)
    if problem:
        raise RuleViolation(problem)
    qualification, created = Qualification.objects.get_or_create(
        profile=profile, modality=modality, defaults={"granted_by": actor, "expires_on": expires_on}
    )
    if created:
        record(
            actor=actor,
            action="qualification.granted",
            obj=profile.user,
            detail={"modality": modality}
            | ({"expires_on": _iso(expires_on)} if expires_on else {}),
        )
    return qualification


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@transaction.atomic
def set_qualification_expiry(
    *, actor: User | None, qualification: Qualification, expires_on: dt.date | None
) -> Qualification:
    """Say when a qualification lapses unless renewed (None: it does not lapse)."""
    _require(actor, Action.GRANT_QUALIFICATION)
    qualification = Qualification.objects.select_for_update().get(pk=qualification.pk)
    if qualification.expires_on != expires_on:
        before = qualification.expires_on
        qualification.expires_on = expires_on
        qualification.save(update_fields=["expires_on"])
        record(
            actor=actor,
            action="qualification.expiry_set",
            obj=qualification.profile.user,
            detail={
                "modality": qualification.modality,
                "before": _iso(before),
                "after": _iso(expires_on),
            },
        )
    return qualification


@transaction.atomic
def unlock_account(*, actor: User | None, username: str) -> int:
    """Lift django-axes' lockout of ``username`` before it lapses; returns the attempts cleared.

    Sent twice, the second clears nothing and records nothing.
    """
    _require(actor, Action.MANAGE_USERS)
    cleared, _ = AccessAttempt.objects.filter(username=username).delete()
    if cleared:
        account = User.objects.filter(username=username).first()
        record(
            actor=actor,
            action="auth.unlocked",
            obj=account,
            detail={"username": username, "attempts": cleared},
        )
    return cleared


@transaction.atomic
def revoke_qualification(*, actor: User | None, profile: ClinicianProfile, modality: str) -> None:
    """Withdraw a qualification; later issues stop new allocations for it."""
    _require(actor, Action.GRANT_QUALIFICATION)
    deleted, _ = Qualification.objects.filter(profile=profile, modality=modality).delete()
    if deleted:
        record(
            actor=actor,
            action="qualification.revoked",
            obj=profile.user,
            detail={"modality": modality},
        )


@transaction.atomic
def save_clinician_profile(*, actor: User | None, profile: ClinicianProfile) -> ClinicianProfile:
    """Save a profile, refusing a change of hours that would leave a DIT grant unsupported."""
    _require(actor, Action.MANAGE_USERS)
    if profile.pk:
        for modality in profile.qualifications.values_list("modality", flat=True):
            problem = qualification_problem(modality, profile.psychodynamic_supervised_hours)
            if problem:
                raise RuleViolation(problem)
    profile.save()
    record(
        actor=actor,
        action="clinician_profile.saved",
        obj=profile.user,
        detail={
            "registration_body": profile.registration_body,
            "caseload_capacity": profile.caseload_capacity,
            "psychodynamic_supervised_hours": profile.psychodynamic_supervised_hours,
        },
    )
    return profile


def may_keep_hours(actor: User, profile: ClinicianProfile) -> bool:
    """Administrators keep anyone's hours and leave; a therapist keeps their own."""
    if can(actor, Action.MANAGE_WORKING_HOURS):
        return True
    return can(actor, Action.KEEP_OWN_HOURS) and profile.user_id == actor.pk


def _require_hours(actor: User | None, profile: ClinicianProfile) -> None:
    if actor is not None and not may_keep_hours(actor, profile):
        raise PermissionDenied(f"{actor} may not change the hours of {profile.user}.")


Span = tuple[int, dt.time, dt.time]


@transaction.atomic
def set_working_hours(
    *, actor: User | None, profile: ClinicianProfile, spans: list[Span]
) -> list[WorkingHours]:
    """Replace a clinician's week of working hours with ``spans`` (weekday, start, end).

    Sessions already booked stay where they are; new sessions are proposed inside these
    hours. Raises RuleViolation for a span that ends before it starts or two that overlap.
    """
    _require_hours(actor, profile)
    problem = working_hours_problem(spans)
    if problem:
        raise RuleViolation(problem)
    before = _week(profile)
    profile.working_hours.all().delete()
    rows = WorkingHours.objects.bulk_create(
        WorkingHours(profile=profile, weekday=day, start=start, end=end)
        for day, start, end in sorted(spans)
    )
    after = [str(row) for row in rows]
    if after != before:
        record(
            actor=actor,
            action="working_hours.set",
            obj=profile.user,
            detail={"before": before, "after": after},
        )
    return rows


def _week(profile: ClinicianProfile) -> list[str]:
    return [str(row) for row in profile.working_hours.order_by("weekday", "start")]


@transaction.atomic
def add_leave(
    *, actor: User | None, profile: ClinicianProfile, starts_on: dt.date, ends_on: dt.date
) -> Leave:
    """Record days a clinician is away; no sessions are proposed on them from now on.

    The same dates sent twice are one spell of leave. Raises RuleViolation (about
    ``starts_on``) when the dates overlap other leave already kept.
    """
    _require_hours(actor, profile)
    # Lock the clinician's profile so two overlapping requests cannot both pass the check.
    ClinicianProfile.objects.select_for_update().filter(pk=profile.pk).first()
    same = profile.leave.filter(starts_on=starts_on, ends_on=ends_on).first()
    if same is not None:
        return same
    booked = list(profile.leave.values_list("starts_on", "ends_on"))
    problem = leave_problem(starts_on, ends_on, booked)
    if problem:
        raise RuleViolation(problem, field="starts_on")
    leave = Leave.objects.create(profile=profile, starts_on=starts_on, ends_on=ends_on)
    record(
        actor=actor,
        action="leave.added",
        obj=profile.user,
        detail={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return leave


@transaction.atomic
def cancel_leave(*, actor: User | None, leave: Leave) -> None:
    """Take back a spell of leave: its days are open for sessions again."""
    _require_hours(actor, leave.profile)
    deleted, _ = Leave.objects.filter(pk=leave.pk).delete()
    if deleted:
        record(
            actor=actor,
            action="leave.cancelled",
            obj=leave.profile.user,
            detail={"starts_on": leave.starts_on.isoformat(), "ends_on": leave.ends_on.isoformat()},
        )


def confirm_authenticator(*, actor: User, device: AuthenticatorApp, token: str) -> list[str]:
    """Confirm ``actor``'s new authenticator app with a code from it; returns backup codes.

    Raises RuleViolation when the code is wrong. The check runs outside the confirming
    transaction so that django-otp's count of failures survives the refusal.
    """
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied("This is not your device to confirm.")
    allowed, _ = device.verify_is_allowed()
    if not allowed or not device.verify_token("".join(token.split())):
        raise RuleViolation("That code is not right. Enter the 6-digit code the app shows now.")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = two_factor.new_backup_codes(actor)
        record(actor=actor, action="two_factor.enrolled", obj=actor)
    return codes


def verify_second_factor(*, actor: User, token: str) -> Device | None:
    """Check a code from the person's authenticator app or one of their backup codes.

    Returns the device that accepted it, or None. Every attempt is audited; django-otp
    slows down repeated failures on each device.
    """
    token = "".join(token.split())
    device: Device | None = None
    with transaction.atomic():
        for candidate in devices_for_user(actor, for_verify=True):
            if candidate.verify_is_allowed()[0] and candidate.verify_token(token):
                device = candidate
                break
    with transaction.atomic():
        if device is None:
            record(actor=actor, action="auth.second_factor_failed", obj=actor)
        else:
            kind = "backup_code" if isinstance(device, BackupCodes) else "authenticator"
            record(
                actor=actor,
                action="auth.second_factor_verified",
                obj=actor,
                detail={"method": kind},
            )
    return device


@transaction.atomic
def regenerate_backup_codes(*, actor: User) -> list[str]:
    """Give ``actor`` a fresh set of backup codes; the old ones stop working."""
    codes = two_factor.new_backup_codes(actor)
    record(actor=actor, action="two_factor.backup_codes_replaced", obj=actor)
    return codes


@transaction.atomic
def remove_second_factor(*, actor: User | None, device: AuthenticatorApp | BackupCodes) -> None:
    """Delete a staff member's authenticator app or backup codes (e.g. a lost phone).

    Without an app they are led to set up a new one at their next sign-in.
    """
    _require(actor, Action.MANAGE_USERS)
    owner = device.user
    kind = "backup_codes" if isinstance(device, BackupCodes) else "authenticator"
    device.delete()
    record(actor=actor, action="two_factor.removed", obj=owner, detail={"device": kind})

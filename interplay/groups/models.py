"""A closed IPT group: its members (each on their own course), its weekly sessions and
the one record a facilitator writes for each.

Each member's course is an ordinary ``courses.Course`` (modality ``group_ipt``) whose
appointments 1 to N are held at the group's times (``Appointment.shared``): attendance,
questionnaires, risk alerts, flags and the service figures work per member unchanged.
A member's appointment numbered n is their place at the group's session n.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from interplay.courses.models import LIVE, Appointment, AppointmentStatus, CourseStatus
from interplay.lib.encrypted import EncryptedTextField
from interplay.lib.errors import RuleViolation


class GroupStatus(models.TextChoices):
    FORMING = "forming", "Forming"
    RUNNING = "running", "Running"
    ENDED = "ended", "Ended"


# The allowed moves, written once: a group forms, runs, ends.
GROUP_TRANSITIONS: dict[str, frozenset[str]] = {
    GroupStatus.FORMING: frozenset({GroupStatus.RUNNING, GroupStatus.ENDED}),
    GroupStatus.RUNNING: frozenset({GroupStatus.ENDED}),
    GroupStatus.ENDED: frozenset(),
}


class MemberStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    LEFT = "left", "Left the group"
    FINISHED = "finished", "Finished"


MEMBER_TRANSITIONS: dict[str, frozenset[str]] = {
    MemberStatus.INVITED: frozenset({MemberStatus.ACCEPTED, MemberStatus.DECLINED}),
    MemberStatus.ACCEPTED: frozenset({MemberStatus.LEFT, MemberStatus.FINISHED}),
    MemberStatus.DECLINED: frozenset(),
    MemberStatus.LEFT: frozenset(),
    MemberStatus.FINISHED: frozenset(),
}
# Members who hold a place in the group.
HOLDING = (MemberStatus.INVITED, MemberStatus.ACCEPTED)


def _check(transitions: dict[str, frozenset[str]], before: str, after: str, what: str) -> None:
    if after not in transitions[before]:
        raise RuleViolation(f"A {what} that is {before} cannot become {after}.")


class GroupQuerySet(QuerySet["Group"]):
    def facilitated_by(self, user: Any) -> "GroupQuerySet":
        return self.filter(Q(lead=user) | Q(co_facilitator=user))


class Group(models.Model):
    """One closed cohort on one group protocol, with one or two facilitators."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80)
    protocol_code = models.CharField(max_length=32)
    room = models.ForeignKey("clinic.Room", on_delete=models.PROTECT, null=True, blank=True)
    video_link = models.URLField(blank=True)
    weekday = models.PositiveSmallIntegerField()
    time = models.TimeField()
    first_date = models.DateField(help_text="The first group session on or after this date.")
    minutes = models.PositiveSmallIntegerField()
    min_members = models.PositiveSmallIntegerField()
    max_members = models.PositiveSmallIntegerField()
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="groups_led"
    )
    co_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups_co_facilitated",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups_supervised",
    )
    status = models.CharField(
        max_length=16, choices=GroupStatus.choices, default=GroupStatus.FORMING
    )
    formed_at = models.DateTimeField()
    formed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["-formed_at"]

    def __str__(self) -> str:
        return self.name

    def facilitators(self) -> list[Any]:
        return [u for u in (self.lead, self.co_facilitator) if u is not None]

    def is_facilitator(self, user: Any) -> bool:
        return user.pk in (self.lead_id, self.co_facilitator_id)

    def move_to(self, status: str) -> None:
        _check(GROUP_TRANSITIONS, self.status, status, "group")
        self.status = status


class GroupMember(models.Model):
    """One person's place in a group, from the invitation on; their course once it runs."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="group_places"
    )
    course = models.OneToOneField(
        "courses.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_place",
    )
    status = models.CharField(
        max_length=16, choices=MemberStatus.choices, default=MemberStatus.INVITED
    )
    invited_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            # One live place per person: invited or in a group, never two at once.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status__in=HOLDING),
                name="one_group_place_at_a_time",
            )
        ]

    def __str__(self) -> str:
        return f"Member {self.public_id} of {self.group}"

    def move_to(self, status: str) -> None:
        _check(MEMBER_TRANSITIONS, self.status, status, "group place")
        self.status = status


def _places_counted(**where: Any) -> Coalesce:
    """How many members' places at the outer session match ``where``, as a subquery of the
    session's own query (0 for none): the members' own appointments numbered as it."""
    places = Appointment.objects.filter(
        shared=True, course__group_place__group=OuterRef("group_id"), number=OuterRef("number")
    ).filter(**where)
    counted = places.order_by().values("number").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class GroupSessionQuerySet(QuerySet["GroupSession"]):
    def with_places(self, *counts: str) -> "GroupSessionQuerySet":
        """Each session with ``expected`` (members' places that hold the time: booked or
        happened), ``attended`` and ``unrecorded`` (still booked, of members whose course
        runs): a subquery each of the one query, whatever the group's size. Name
        ``counts`` to annotate only those a screen reads (each subquery costs its
        building and its running on every request)."""
        places = {
            "expected": lambda: _places_counted(status__in=LIVE),
            "attended": lambda: _places_counted(status=AppointmentStatus.ATTENDED),
            "unrecorded": lambda: _places_counted(
                status=AppointmentStatus.BOOKED, course__status=CourseStatus.ACTIVE
            ),
        }
        return self.annotate(**{name: places[name]() for name in counts or places})

    def to_sign(self, now: Any, ended_since: Any) -> "GroupSessionQuerySet":
        """Sessions that have happened and still need a facilitator: attendance not
        recorded for every member, or someone attended and the record is not signed. Of
        groups running, or ended since ``ended_since``. A session nobody came to needs
        no record."""
        return self.with_places("attended", "unrecorded").filter(
            waiting_for_facilitator(now, ended_since)
        )


def waiting_for_facilitator(now: Any, ended_since: Any) -> Q:
    """``GroupSessionQuerySet.to_sign``'s rule as a condition on sessions annotated with
    ``attended`` and ``unrecorded``, for a query that reads other sessions beside them."""
    current = Q(group__status=GroupStatus.RUNNING) | Q(group__ended_at__gte=ended_since)
    unsigned = Q(attended__gt=0, signed_at__isnull=True)
    return Q(current, Q(unrecorded__gt=0) | unsigned, starts_at__lt=now)


def waits_for_facilitator(session: Any, now: Any, ended_since: Any) -> bool:
    """``GroupSessionQuerySet.to_sign``'s rule for one session already read with
    ``attended``, ``unrecorded`` and its group's ``status`` and ``ended_at``: for a screen
    that reads a facilitator's sessions of several kinds in one query."""
    group = session.group
    current = group.status == GroupStatus.RUNNING or (
        group.ended_at is not None and group.ended_at >= ended_since
    )
    unsigned = session.attended > 0 and session.signed_at is None
    return current and session.starts_at < now and (session.unrecorded > 0 or unsigned)


class GroupSession(models.Model):
    """One weekly meeting of the group, and its one record (signed by a facilitator).

    The record names no member's answers; notes that name a member are staff-only,
    like every session record, and never reach the portal.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    tasks_done = models.JSONField(default=list, blank=True)
    notes = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="one_group_session_number")
        ]

    def __str__(self) -> str:
        return f"Group session {self.number} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

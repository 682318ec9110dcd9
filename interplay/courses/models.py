"""A course of therapy (FHIR EpisodeOfCare later) and its appointments."""

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.lib.encrypted import EncryptedTextField


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    DROPPED_OUT = "dropped_out", "Dropped out"
    DISCHARGED_DNA = "discharged_dna", "Discharged after non-attendance"
    REFERRED_ON = "referred_on", "Referred on"


class CourseQuerySet(QuerySet["Course"]):
    def active(self) -> "CourseQuerySet":
        return self.filter(status=CourseStatus.ACTIVE)

    def of_therapist(self, user: Any) -> "CourseQuerySet":
        return self.filter(therapist=user)

    def touch(self, moment: Any = None) -> int:
        """Mark these courses changed (``updated_at``) now, or at ``moment``: a change to
        one of a course's sessions changes what the course shows (its next session, its
        period), so a client polling for changed courses learns of it."""
        return self.update(updated_at=moment or timezone.now())


class Course(models.Model):
    """One person's course with one therapist, on the protocol version it started with."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="course"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="courses"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses"
    )
    modality = models.CharField(max_length=16, choices=Modality.choices)
    protocol_code = models.CharField(max_length=32)
    protocol_version = models.CharField(max_length=16)
    protocol_snapshot = models.JSONField(help_text="The protocol as it was when the course began.")
    # The snapshot's digest (``protocols.snapshot_digest``), set by ``save()``: what a list
    # of courses reads to find each course's protocol, instead of the whole snapshot.
    protocol_digest = models.CharField(max_length=64, editable=False)
    planned_sessions = models.PositiveSmallIntegerField()
    weekday = models.PositiveSmallIntegerField()
    time = models.TimeField()
    room = models.ForeignKey("clinic.Room", on_delete=models.PROTECT, null=True, blank=True)
    video_link = models.URLField(blank=True)
    start_date = models.DateField()
    agreed_end_date = models.DateField(help_text="Fixed at the start: the IPT contract.")
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = EncryptedTextField(blank=True)
    # When the course or one of its sessions last changed (started, moved, attendance,
    # ended, anonymised); a look never moves it. Every write sets it: ``save()`` by
    # itself, ``save(update_fields=...)`` and ``update()`` by naming it, and a session's
    # change by ``CourseQuerySet.touch``. The API's ``updated_since`` and FHIR's
    # ``_lastUpdated`` read it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # Places used per therapist and therapy (capacity, the service figures): read
            # from the index alone, not the whole history of courses.
            models.Index(fields=["status", "therapist", "modality"], name="course_status_places"),
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} course {self.public_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saved with its snapshot's digest, worked out again whenever the snapshot is
        saved (not when it was left out of the read and is not saved)."""
        update_fields = kwargs.get("update_fields")
        if "protocol_snapshot" in self.__dict__ and (
            update_fields is None or "protocol_snapshot" in update_fields
        ):
            from interplay.courses.protocols import from_digest, snapshot_digest

            snapshot = self.protocol_snapshot
            self.protocol_digest = snapshot_digest(snapshot)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "protocol_digest"}
            # Known to this process from now on: its lists read no snapshot for it.
            self._protocol = from_digest(self.protocol_digest, lambda: snapshot)
        super().save(*args, **kwargs)

    def protocol(self) -> Any:
        """The protocol exactly as it was when this course began (its snapshot). A course
        read with its digest and without its snapshot (``.only(..., "protocol_digest")``,
        as lists read them) reads the snapshot only for a protocol this process has not
        met before."""
        from interplay.courses.protocols import from_digest, from_snapshot

        cached = getattr(self, "_protocol", None)
        if cached is None:
            digest = self.__dict__.get("protocol_digest")
            if digest:
                cached = from_digest(digest, lambda: self.protocol_snapshot)
            else:
                cached = from_snapshot(self.protocol_snapshot)
            self._protocol = cached
        return cached


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "dna", "Did not attend"
    CANCELLED_BY_PATIENT = "cancelled_patient", "Cancelled by the patient, with notice"
    CANCELLED_LATE = "cancelled_late", "Cancelled by the patient, without enough notice"
    CANCELLED_BY_SERVICE = "cancelled_service", "Cancelled by the service"
    # Set only by ending a course, for its later sessions: not a cancellation, so the
    # service's cancellation figures count only sessions someone called off.
    NOT_NEEDED = "not_needed", "Not needed: course ended"


LIVE = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND)
# What a therapist may record for a session (the rest are set by the system).
SET_BY_SYSTEM = (AppointmentStatus.BOOKED, AppointmentStatus.NOT_NEEDED)
RECORDABLE = tuple(s for s in AppointmentStatus if s not in SET_BY_SYSTEM)


class AppointmentQuerySet(QuerySet["Appointment"]):
    def live(self) -> "AppointmentQuerySet":
        """Appointments that hold their time: booked or already happened."""
        return self.filter(status__in=LIVE)

    def unresolved_before(self, moment: Any) -> "AppointmentQuerySet":
        """Sessions still booked whose time has come: what happened is not recorded."""
        return self.filter(status=AppointmentStatus.BOOKED, starts_at__lt=moment)

    def overlapping(self, starts_at: Any, ends_at: Any) -> "AppointmentQuerySet":
        return self.live().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Appointment(models.Model):
    """One session of a course, numbered within it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="appointments")
    number = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    # Whose time the session holds: always its course's therapist (a course keeps its
    # therapist). Screens that list a therapist's sessions in a span of days say so of the
    # session as well as the course, so the database reads them from the index below.
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey("clinic.Room", on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    backdate_reason = EncryptedTextField(
        blank=True, help_text="Why the session was booked or moved to a time already past."
    )
    # When the session last changed (booked, moved, attendance, no longer needed); as
    # ``Course.updated_at``, set by every write. Sending its reminder is not a change to
    # the session (``reminder_sent_at`` is the reminder's own bookkeeping).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # A group session: each member's own appointment at the group's time, so the
    # therapist and room hold that time for every member at once (interplay/groups).
    shared = models.BooleanField(default=False, editable=False)
    # The screens that list appointments beside a facilitator's group sessions (the day,
    # the calendar) ask each row whether it is a group's meeting; an appointment answers
    # no itself. (The template's failed lookup would cost a dir() of the model per row.)
    is_group: ClassVar[bool] = False

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # A session number is held once in a course; belt and braces for the same
            # therapist or room at the same start (overlaps are checked under a lock).
            models.UniqueConstraint(
                fields=["course", "number"],
                condition=Q(status__in=LIVE),
                name="one_live_session_number",
            ),
            # A group's members share their session's therapist and room (``shared``).
            models.UniqueConstraint(
                fields=["therapist", "starts_at"],
                condition=Q(status__in=LIVE, shared=False),
                name="therapist_one_place_at_a_time",
            ),
            models.UniqueConstraint(
                fields=["room", "starts_at"],
                condition=Q(status__in=LIVE, shared=False),
                name="room_one_session_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} at {self.starts_at:%Y-%m-%d %H:%M}"


class TaskKind(models.TextChoices):
    ATTENDANCE_REVIEW = "attendance_review", "Review attendance with the person (attendance policy)"
    RISK_CHECK = "risk_check", "Check risk after a missed session"
    DISCHARGE_REVIEW = "discharge_review", "Consider discharge (attendance policy)"


class CourseTaskQuerySet(QuerySet["CourseTask"]):
    def open(self) -> "CourseTaskQuerySet":
        return self.filter(done_at__isnull=True)


class CourseTask(models.Model):
    """Something the therapist must do that the course raised: a review, a risk check."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="tasks")
    appointment = models.ForeignKey(
        "Appointment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    raised_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = EncryptedTextField(blank=True)

    objects = CourseTaskQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class CalendarFeed(models.Model):
    """A therapist's iCalendar address: a secret token in the URL, revocable at any time.

    The feed carries times and places only, never a name: a calendar app is not a
    clinical record.
    """

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.therapist}"


class ServiceProtocol(models.Model):
    """A protocol a service defines for itself, in the same shape as the built-in ones.

    A new version is a new row (the code and version pair is unique); courses keep a
    snapshot of the version they began with, so changing or retiring a row changes no
    running course.
    """

    code = models.SlugField(max_length=32)
    version = models.CharField(max_length=16)
    active = models.BooleanField(default=True, help_text="Offered for new courses.")
    definition = models.JSONField(
        help_text="Phases, tasks, sessions and attendance policy, as for the built-in "
        "protocols (see interplay/courses/README.md)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_protocol_version")
        ]

    def __str__(self) -> str:
        return f"{self.definition.get('name', self.code)} (version {self.version})"

"""The formulation of one course: the interpersonal inventory (with the closeness circle),
the timeline of life events, and the focus. Everything typed about a person is encrypted.

Inventory entries and the focus keep every version as a dated revision (who, when, what),
so "changed N times" and each earlier version can be shown.
"""

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet

from interplay.lib.encrypted import EncryptedCharField, EncryptedTextField


class Relationship(models.TextChoices):
    PARTNER = "partner", "Partner or spouse"
    EX_PARTNER = "ex_partner", "Former partner"
    PARENT = "parent", "Parent"
    CHILD = "child", "Child"
    SIBLING = "sibling", "Brother or sister"
    OTHER_FAMILY = "other_family", "Other family"
    FRIEND = "friend", "Friend"
    COLLEAGUE = "colleague", "Colleague or manager"
    NEIGHBOUR = "neighbour", "Neighbour"
    OTHER = "other", "Someone else"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Ring(models.IntegerChoices):
    """Felt closeness on the closeness circle (docs/clinical-rules.md 1.5): the inner ring
    is closest."""

    INNER = 1, "Inner ring (closest)"
    MIDDLE = 2, "Middle ring"
    OUTER = 3, "Outer ring (least close)"


# The inventory's fields (docs/clinical-rules.md 1.4), in the order the pages show them.
ENTRY_FIELDS = (
    "name",
    "relationship",
    "contact",
    "satisfying",
    "unsatisfying",
    "expectations",
    "expectations_met",
    "can_confide",
    "feelings",
    "desired_change",
    "episode_link",
    "style_markers",
)


class Revised(models.Model):
    """A record whose every version is kept as a revision."""

    class Meta:
        abstract = True

    @property
    def times_changed(self) -> int:
        """Versions after the first; the pages annotate ``revision_count`` to save a query."""
        count = getattr(self, "revision_count", None)
        if count is None:
            count = self.revisions.count()  # type: ignore[attr-defined]
        return max(0, int(count) - 1)


class InventoryEntryQuerySet(QuerySet["InventoryEntry"]):
    def with_revision_count(self) -> "InventoryEntryQuerySet":
        return self.annotate(revision_count=models.Count("revisions"))


class InventoryEntry(Revised):
    """One important person in the patient's life, as the patient describes them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="inventory")
    name = EncryptedCharField("Name or label", max_length=120)
    relationship = EncryptedCharField(max_length=20, choices=Relationship.choices)
    contact = EncryptedTextField("Contact and what they do together", blank=True)
    satisfying = EncryptedTextField("What is satisfying", blank=True)
    unsatisfying = EncryptedTextField("What is unsatisfying", blank=True)
    expectations = EncryptedTextField("What each expects of the other", blank=True)
    expectations_met = EncryptedCharField(
        "Are those expectations met?", max_length=8, choices=Answer.choices, blank=True
    )
    can_confide = EncryptedCharField(
        "Can the patient confide in them?", max_length=8, choices=Answer.choices, blank=True
    )
    feelings = EncryptedTextField("Feelings when with them", blank=True)
    desired_change = EncryptedTextField("What the patient would like to change", blank=True)
    episode_link = EncryptedTextField("Link to the current episode", blank=True)
    style_markers = EncryptedTextField("Style markers (therapist's notes)", blank=True)
    ring = models.PositiveSmallIntegerField(choices=Ring.choices, null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    placed_by_patient = models.BooleanField(default=False)
    placed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    objects = InventoryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "inventory entries"

    def __str__(self) -> str:
        return f"Inventory entry {self.public_id}"

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ENTRY_FIELDS}

    @property
    def placed_by_label(self) -> str:
        if self.ring is None:
            return ""
        if self.placed_by_patient:
            return "The patient"
        return str(self.placed_by) if self.placed_by else ""


class Revision(models.Model):
    """One version of a revised record: its fields as JSON, encrypted, with who and when."""

    number = models.PositiveSmallIntegerField()
    data = EncryptedTextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-number"]

    @property
    def values(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.data)
        return loaded


class EntryRevision(Revision):
    entry = models.ForeignKey(InventoryEntry, on_delete=models.CASCADE, related_name="revisions")

    class Meta(Revision.Meta):
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="one_entry_revision_number")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"


class MoodChange(models.TextChoices):
    WORSE = "worse", "Mood got worse"
    BETTER = "better", "Mood got better"
    SAME = "same", "No change in mood"


class LifeEventQuerySet(QuerySet["LifeEvent"]):
    def in_order(self) -> "LifeEventQuerySet":
        # An approximate date sorts at the start of its month or year.
        # NULLS FIRST said outright for both: PostgreSQL sorts nulls last by default.
        return self.order_by(
            "year",
            models.F("month").asc(nulls_first=True),
            models.F("day").asc(nulls_first=True),
            "id",
        )


class LifeEvent(models.Model):
    """A dated life event on the timeline (docs/clinical-rules.md 1.3 task 6, 1.5), with the
    mood change
    around it. The date may be approximate: a year, or a month and year."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="timeline")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField(null=True, blank=True)
    day = models.PositiveSmallIntegerField(null=True, blank=True)
    description = EncryptedTextField()
    mood_change = models.CharField(max_length=8, choices=MoodChange.choices)
    people = models.ManyToManyField(InventoryEntry, blank=True, related_name="life_events")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    objects = LifeEventQuerySet.as_manager()

    class Meta:
        ordering = ["year", "month", "day", "id"]

    def __str__(self) -> str:
        return f"Life event {self.public_id}"

    @property
    def when(self) -> str:
        """The date as precisely as it is known: "2024", "March 2024" or "3 March 2024"."""
        import datetime as dt

        if self.month is None:
            return f"{self.year}"
        month = dt.date(2000, self.month, 1).strftime("%B")
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"


class ProblemArea(models.TextChoices):
    """The four IPT problem areas (docs/clinical-rules.md 1.6). Group IPT shows the WHO
    names (3.1)."""

    GRIEF = "grief", "Grief"
    ROLE_DISPUTE = "role_dispute", "Role dispute"
    ROLE_TRANSITION = "role_transition", "Role transition"
    DEFICITS = "deficits", "Interpersonal deficits (sensitivity)"


# WHO Group IPT (2016) names for the same four areas (docs/clinical-rules.md 3.1).
GROUP_AREA_LABELS = {
    ProblemArea.GRIEF: "Grief",
    ProblemArea.ROLE_DISPUTE: "Disputes",
    ProblemArea.ROLE_TRANSITION: "Life changes",
    ProblemArea.DEFICITS: "Loneliness and social isolation",
}


def area_choices(modality: str) -> list[tuple[str, str]]:
    if modality == "group_ipt":
        return [(area.value, GROUP_AREA_LABELS[area]) for area in ProblemArea]
    return list(ProblemArea.choices)


def area_label(modality: str, code: str) -> str:
    return dict(area_choices(modality)).get(code, "")


class DisputeStage(models.TextChoices):
    """docs/clinical-rules.md 1.7: stored on the focus, for a dispute only."""

    RENEGOTIATION = "renegotiation", "Renegotiation"
    IMPASSE = "impasse", "Impasse"
    DISSOLUTION = "dissolution", "Dissolution"


# The focus's words: what a subject access export prints and retention blanks.
FOCUS_TEXT_FIELDS = (
    "rationale",
    "formulation",
    "self_representation",
    "other_representation",
    "linking_affect",
    "defensive_function",
    "patient_version",
)
FOCUS_FIELDS = (
    "problem_area",
    "second_area",
    "dispute_stage",
    *FOCUS_TEXT_FIELDS,
    "agreed_on",
    "shared_with_patient",
    "people",
)


class Focus(Revised):
    """A course's focus: an IPT (or group IPT) problem area, or the DIT interpersonal-
    affective focus (docs/clinical-rules.md 2.2), with what was agreed with the patient and when."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.OneToOneField("courses.Course", on_delete=models.CASCADE, related_name="focus")
    problem_area = models.CharField(max_length=20, choices=ProblemArea.choices, blank=True)
    second_area = models.CharField(max_length=20, choices=ProblemArea.choices, blank=True)
    dispute_stage = models.CharField(max_length=16, choices=DisputeStage.choices, blank=True)
    rationale = EncryptedTextField(blank=True)
    formulation = EncryptedTextField(blank=True)
    self_representation = EncryptedTextField(blank=True)
    other_representation = EncryptedTextField(blank=True)
    linking_affect = EncryptedTextField(blank=True)
    defensive_function = EncryptedTextField(blank=True)
    patient_version = EncryptedTextField(blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    shared_with_patient = models.BooleanField(default=False)
    people = models.ManyToManyField(InventoryEntry, blank=True, related_name="+")

    class Meta:
        verbose_name_plural = "foci"

    def __str__(self) -> str:
        return f"Focus {self.public_id}"

    @property
    def agreed(self) -> bool:
        return self.agreed_on is not None

    def patient_text(self) -> str:
        """What the patient may read: the DIT plain-language version, else the formulation.
        Never the rationale."""
        if self.course.modality == "dit":
            return str(self.patient_version)
        return str(self.formulation)


class FocusRevision(Revision):
    focus = models.ForeignKey(Focus, on_delete=models.CASCADE, related_name="revisions")

    class Meta(Revision.Meta):
        constraints = [
            models.UniqueConstraint(fields=["focus", "number"], name="one_focus_revision_number")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

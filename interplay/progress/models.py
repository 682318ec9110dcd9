"""What the course works on and how it ends: the problems and goals first identified and
their ratings, the tasks between sessions, the ending review and the ending letters.

Everything a person wrote about the patient is encrypted at rest. ``shared`` marks what
the therapist chose to show the patient in the portal (``sharing.py``).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import QuerySet

from interplay.lib.encrypted import EncryptedTextField


class ProblemKind(models.TextChoices):
    PROBLEM = "problem", "Problem"
    GOAL = "goal", "Goal"


class Problem(models.Model):
    """A problem or goal first identified in the initial phase, listed once per course."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(max_length=10, choices=ProblemKind.choices)
    description = EncryptedTextField()
    identified_at = models.ForeignKey(
        "courses.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"

    def first_and_latest(self) -> tuple["ProblemRating | None", "ProblemRating | None"]:
        """The baseline and the latest rating (from prefetched ``ratings`` when there)."""
        ratings = list(self.ratings.all())
        return (ratings[0], ratings[-1]) if ratings else (None, None)


class Rater(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    PATIENT = "patient", "Patient"


class ProblemRating(models.Model):
    """One rating, 0-10, with who rated it, when, and at which session."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    session = models.ForeignKey(
        "courses.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The session rated at; for a patient's own rating, the latest session then.",
    )
    rater = models.CharField(max_length=10, choices=Rater.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The therapist who rated; empty when the patient rated in the portal.",
    )
    rated_at = models.DateTimeField()
    baseline = models.BooleanField(default=False)

    class Meta:
        ordering = ["rated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "session"],
                condition=models.Q(rater="therapist"),
                name="one_therapist_rating_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="rating_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/10 by the {self.rater}"


class TaskQuerySet(QuerySet["BetweenSessionTask"]):
    def shared(self) -> "TaskQuerySet":
        return self.filter(shared=True)


class BetweenSessionTask(models.Model):
    """The work agreed at a session to do before the next one.

    Set from the session record's "work to do before the next session"; the patient may
    note what they did (in the portal, once shared); the therapist's review is written in
    the next session's record ("how the work between sessions went").
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="between_session_tasks"
    )
    set_at = models.OneToOneField(
        "courses.Appointment", on_delete=models.PROTECT, related_name="between_session_task"
    )
    text = EncryptedTextField()
    shared = models.BooleanField(default=False)
    patient_note = EncryptedTextField(blank=True)
    patient_noted_at = models.DateTimeField(null=True, blank=True)
    review = EncryptedTextField(blank=True)
    reviewed_at = models.ForeignKey(
        "courses.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["set_at__number", "id"]

    def __str__(self) -> str:
        return f"Task {self.public_id}"


class EndingReview(models.Model):
    """The review at the end of a course, one per course; editable until the course ends."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, related_name="ending_review"
    )
    patient_reflections = EncryptedTextField(blank=True)
    therapist_reflections = EncryptedTextField(blank=True)
    warning_signs = EncryptedTextField(blank=True)
    relapse_plan = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Ending review {self.public_id}"


class EndingLetterKind(models.TextChoices):
    """Each maps to a ``letters.LetterKind`` of the same value."""

    GOODBYE = "goodbye", "Goodbye letter"
    ENDING_SUMMARY = "ending_summary", "Ending summary"
    DISCHARGE = "discharge", "Discharge letter to the GP"


class CourseLetterQuerySet(QuerySet["CourseLetter"]):
    def shared(self) -> "CourseLetterQuerySet":
        return self.filter(shared=True, letter__isnull=False)


class CourseLetter(models.Model):
    """An ending letter of a course: the draft the therapist edits, then the letter produced.

    One of each kind per course. Once produced the letter (and its PDF) is the record and
    the draft no longer changes.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="ending_letters"
    )
    kind = models.CharField(max_length=20, choices=EndingLetterKind.choices)
    draft = EncryptedTextField(blank=True)
    letter = models.OneToOneField(
        "letters.Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    objects = CourseLetterQuerySet.as_manager()

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["course", "kind"], name="one_letter_of_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"

    @property
    def produced(self) -> bool:
        return self.letter_id is not None

"""One row per course holding what the service figures need, kept beside the record.

The dashboard aggregates these rows in the database instead of walking every course's
history: the first and last complete scores, the reliable changes, the dates that the
waiting-time figures read and the attendance counts. ``rows.refresh(course)`` recomputes a
course's row from its record; it runs in the same transaction as every change that moves
a figure (a score, an attendance, the course ending), and ``manage.py rebuild_figures``
recomputes them all.
"""

from django.conf import settings
from django.db import models

from interplay.accounts.roles import Modality

# What the service dashboard reads of each course ended in its period (besides the end
# and the therapy): the outcome flags, attendance, the waits and the therapist.
FIGURES_OF_ENDED = [
    "finished",
    "at_caseness",
    "recovered",
    "paired",
    "reliable_fall",
    "reliable_rise",
    "attended",
    "attended_with_paired_scores",
    "did_not_attend",
    "cancelled_by_patient",
    "cancelled_by_service",
    "wait_days",
    "therapist",
    "first_session_on",
    "second_session_on",
]


class CourseFigures(models.Model):
    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    # Copied from the course and its referral so that filters need no join.
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    modality = models.CharField(max_length=16, choices=Modality.choices)
    referral_source = models.CharField(max_length=16)
    status = models.CharField(max_length=20)
    referred_on = models.DateField()
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    first_session_on = models.DateField(
        null=True, blank=True, help_text="The first attended treatment session."
    )
    second_session_on = models.DateField(
        null=True, blank=True, help_text="The second attended treatment session."
    )
    wait_days = models.IntegerField(
        null=True, blank=True, help_text="Days from the referral to the first attended session."
    )
    # Attendance, counted over the course's sessions (number 1 onwards).
    attended = models.PositiveSmallIntegerField(default=0)
    did_not_attend = models.PositiveSmallIntegerField(default=0)
    cancelled_by_patient = models.PositiveSmallIntegerField(
        default=0, help_text="With or without enough notice."
    )
    cancelled_by_service = models.PositiveSmallIntegerField(default=0)
    attended_with_paired_scores = models.PositiveSmallIntegerField(
        default=0, help_text="Attended sessions with a complete PHQ-9 and GAD-7 for the session."
    )
    # Ended with at least two attended treatment sessions (docs/clinical-rules.md 5.2).
    finished = models.BooleanField(default=False)
    # The course's own complete scores, first and last, in answer order (5.3).
    phq9_first = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_last = models.PositiveSmallIntegerField(null=True, blank=True)
    gad7_first = models.PositiveSmallIntegerField(null=True, blank=True)
    gad7_last = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_latest_on = models.DateField(null=True, blank=True)
    gad7_latest_on = models.DateField(null=True, blank=True)
    # The flags of docs/clinical-rules.md 5.4. Both measures paired, else all False.
    paired = models.BooleanField(default=False)
    at_caseness = models.BooleanField(default=False)
    recovered = models.BooleanField(default=False)
    # A reliable fall (better) and a reliable rise (worse) on at least one measure. The
    # mixed case has both; how it counts is the service's setting, read when aggregating,
    # so changing the setting needs no rebuild.
    reliable_fall = models.BooleanField(default=False)
    reliable_rise = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "course figures"
        indexes = [
            # The courses ended in a period, by therapy, holding every column the
            # dashboard's figures of them read, so they are counted from the index alone
            # (on SQLite a row looked up by each entry cost most of the dashboard's time
            # at a million referrals; SQLite has no INCLUDE, so they are all keys).
            models.Index(fields=["ended_on", "modality", *FIGURES_OF_ENDED], name="figures_ended"),
            models.Index(fields=["first_session_on"]),
            models.Index(fields=["therapist", "ended_on"]),
        ]

    def __str__(self) -> str:
        return f"Figures of course {self.course_id}"

"""What the patient sees: only what the therapist marked shared. The portal calls these.

Notes, risk records and unshared items are never returned. Each function takes a query
count that does not grow with the course (tested).
"""

from django.db.models import Prefetch

from interplay.courses.models import Course
from interplay.progress.models import BetweenSessionTask, CourseLetter, Problem, ProblemRating


def shared_problems(course: Course) -> list[Problem]:
    """The shared problems and goals of ``course``, oldest first, each with its ratings
    (``problem.ratings.all()``, oldest first, baseline first; ``rater`` says who rated).
    Two queries."""
    ratings = Prefetch(
        "ratings",
        queryset=ProblemRating.objects.select_related("session").order_by("rated_at", "id"),
    )
    return list(course.problems.filter(shared=True).prefetch_related(ratings))


def patient_tasks(course: Course) -> list[BetweenSessionTask]:
    """The shared between-session tasks of ``course`` in session order, with ``set_at``
    (the session they were set at) loaded. The patient may note each (``note_task``); the
    therapist's review is not included in what the portal should show. One query."""
    return list(
        BetweenSessionTask.objects.shared()
        .filter(course=course)
        .select_related("set_at")
        .defer("review")
    )


def shared_letters(course: Course) -> list[CourseLetter]:
    """The produced and shared ending letters of ``course``, with ``letter`` (its
    ``letters.Letter``, PDF deferred: fetch it when it is downloaded). One query."""
    return list(
        CourseLetter.objects.shared()
        .filter(course=course)
        .select_related("letter")
        .defer("letter__pdf", "draft")
    )

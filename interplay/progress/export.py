"""Problems and goals, between-session tasks and the ending as plain data, for the subject
access export."""

from typing import Any

from interplay.courses.models import Course
from interplay.lib.export import coded, person_name, session_number
from interplay.progress.models import BetweenSessionTask, CourseLetter, Problem


def problem_data(problem: Problem) -> dict[str, Any]:
    return {
        "public_id": problem.public_id,
        **coded(problem, ("kind", "description")),
        "identified_at_session": session_number(problem.identified_at),
        "shared": problem.shared,
        "created_at": problem.created_at,
        "created_by": person_name(problem.created_by),
        "ratings": [
            {
                "score": rating.score,
                **coded(rating, ("rater",)),
                "rated_by": person_name(rating.rated_by),
                "rated_at": rating.rated_at,
                "session": session_number(rating.session),
                "baseline": rating.baseline,
            }
            for rating in problem.ratings.all()
        ],
    }


def task_data(task: BetweenSessionTask) -> dict[str, Any]:
    return {
        "public_id": task.public_id,
        "set_at_session": task.set_at.number,
        "text": task.text,
        "shared": task.shared,
        "patient_note": task.patient_note,
        "patient_noted_at": task.patient_noted_at,
        "review": task.review,
        "reviewed_at_session": session_number(task.reviewed_at),
        "updated_at": task.updated_at,
    }


def ending_review_data(course: Course) -> dict[str, Any] | None:
    review = getattr(course, "ending_review", None)
    if review is None:
        return None
    return {
        "public_id": review.public_id,
        "patient_reflections": review.patient_reflections,
        "therapist_reflections": review.therapist_reflections,
        "warning_signs": review.warning_signs,
        "relapse_plan": review.relapse_plan,
        "updated_at": review.updated_at,
        "updated_by": person_name(review.updated_by),
    }


def ending_letter_data(course_letter: CourseLetter) -> dict[str, Any]:
    """A draft, or once produced the letter it became (set out in full, with its words,
    among the referral's letters)."""
    letter = course_letter.letter
    return {
        "public_id": course_letter.public_id,
        **coded(course_letter, ("kind",)),
        "draft": "" if letter is not None else course_letter.draft,
        "shared": course_letter.shared,
        "updated_at": course_letter.updated_at,
        "letter": letter.public_id if letter is not None else None,
        "letter_created_at": letter.created_at if letter is not None else None,
    }

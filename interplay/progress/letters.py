"""The words of the ending letters as first drafted, for the therapist to change.

The focus comes from the formulation app through ``focus_text``, the one place that
knows about it. Drafts use only what is shared with the patient: the
problems marked shared and the ending review; never session notes or risk records.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from interplay.courses.models import AppointmentStatus, Course
from interplay.formulation.services import focus_for_letter
from interplay.progress.models import EndingLetterKind, EndingReview, Problem, ProblemKind

if TYPE_CHECKING:
    from interplay.progress.models import ProblemRating


def focus_text(course: Course) -> str:
    """The agreed focus in plain language, as written for the patient ("" if none yet)."""
    return focus_for_letter(course)


def progress_lines(problems: Iterable[Problem]) -> list[str]:
    """One line per problem or goal: its words, its first rating and its latest."""
    lines = []
    for problem in problems:
        first, latest = problem.first_and_latest()
        if first is None or latest is None:
            continue
        scale = "achieved" if problem.kind == ProblemKind.GOAL else "how much of a problem"
        change = (
            f"rated {first.score} out of 10 at first and {latest.score} most recently"
            if latest is not first
            else f"rated {first.score} out of 10"
        )
        lines.append(f"- {problem.description} ({scale}: {change})")
    return lines


def _rated(rating: "ProblemRating | None") -> str:
    return "" if rating is None else str(rating.score)


def draft(course: Course, kind: str, problems: list[Problem], review: EndingReview | None) -> str:
    """The first draft of a ``kind`` letter for ``course``, from shared problems only."""
    focus = focus_text(course)
    held = course.appointments.filter(status=AppointmentStatus.ATTENDED).count()
    parts: list[str] = []
    if kind == EndingLetterKind.DISCHARGE:
        parts.append(
            f"They attended {held} of {course.planned_sessions} planned sessions of "
            f"{course.get_modality_display()}."
        )
        if focus:
            parts.append(f"The focus of the work: {focus}")
        lines = progress_lines(problems)
        if lines:
            parts.append(
                "The problems and goals they identified, rated from 0 to 10:\n" + "\n".join(lines)
            )
        if review and review.relapse_plan:
            parts.append(f"Their plan if things get harder again: {review.relapse_plan}")
        return "\n\n".join(parts)
    if focus:
        parts.append(f"We agreed to focus on {focus}")
    lines = progress_lines(problems)
    if lines:
        parts.append("At the start you named these problems and goals:\n" + "\n".join(lines))
    if review and review.therapist_reflections:
        parts.append(review.therapist_reflections)
    if review and review.warning_signs:
        parts.append(f"Signs to look out for: {review.warning_signs}")
    if review and review.relapse_plan:
        parts.append(f"If they come back: {review.relapse_plan}")
    return "\n\n".join(parts)

"""The words of the ending letters as first drafted, for the therapist to change, and the
facts the GP's discharge letter states as they stand when it is produced.

The focus comes from the formulation app through ``focus_text``, the one place that
knows about it. Drafts use only what is shared with the patient: the
problems marked shared and the ending review; never session notes or risk records.
The discharge facts (scores, outcome, risk alerts) are not a draft: the letter prints
them from the record, so nobody retypes a score.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from interplay.clinic.models import ServiceSettings
from interplay.courses.models import AppointmentStatus, Course
from interplay.formulation.services import focus_for_letter
from interplay.measures import outcomes
from interplay.measures.instruments import GAD7, PHQ9, Instrument
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring.models import AlertKind, RiskAlert
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
    parts: list[str] = []
    if kind == EndingLetterKind.DISCHARGE:
        # Sessions attended, scores and risk are printed from the record when the letter is
        # produced (``discharge_facts``), so a draft written before the end cannot go stale.
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
        # The focus in the patient's words is a sentence of its own, however it begins.
        parts.append(f"The focus we agreed, in your words: {focus}")
    lines = progress_lines(problems)
    if lines:
        parts.append("At the start you named these problems and goals:\n" + "\n".join(lines))
    if review and review.therapist_reflections:
        parts.append(review.therapist_reflections)
    if review and review.warning_signs:
        parts.append(f"Signs to look out for: {review.warning_signs}")
    if review and review.relapse_plan:
        parts.append(f"If things get harder again: {review.relapse_plan}")
    return "\n\n".join(parts)


# The GP's discharge letter: the facts it states (docs/clinical-rules.md 5)

ABOUT = {PHQ9.code: "depression", GAD7.code: "anxiety"}


def discharge_facts(course: Course) -> dict[str, Any]:
    """What the discharge letter states about an ended ``course``: its dates, how it ended,
    sessions attended, the first and last PHQ-9 and GAD-7 with their bands, recovery and
    reliable change in words, and every risk alert raised during it."""
    responses = list(
        QuestionnaireResponse.objects.filter(
            course=course,
            instrument_code__in=ABOUT,
            complete=True,
            total__isnull=False,
        ).order_by("answered_at", "id")
    )
    totals = {
        code: [r.total for r in responses if r.instrument_code == code and r.total is not None]
        for code in ABOUT
    }
    attended = course.appointments.filter(status=AppointmentStatus.ATTENDED, number__gte=1)
    first = course.appointments.live().order_by("number").first()
    outcome = outcomes.course_outcome(
        totals[PHQ9.code],
        totals[GAD7.code],
        attended=attended.count(),
        mixed_rule=ServiceSettings.load().mixed_change_rule,
    )
    alerts = _alerts(course, {code: scores[0] for code, scores in totals.items() if scores})
    return {
        "therapy": course.get_modality_display(),
        "ending": course.get_status_display(),
        "started_on": timezone.localtime(first.starts_at).date() if first else None,
        "ended_on": timezone.localtime(course.ended_at).date() if course.ended_at else None,
        "attended": attended.count(),
        "planned": course.planned_sessions,
        "measures": _measures(outcome),
        "outcome": outcome_words(outcome),
        "alerts": alerts,
        "question_9": any(alert["question_9"] for alert in alerts),
    }


def _measures(outcome: outcomes.CourseOutcome) -> list[dict[str, Any]]:
    rows = []
    for instrument, pair in ((PHQ9, outcome.phq9), (GAD7, outcome.gad7)):
        if pair is None:
            continue
        rows.append(
            {
                "name": instrument.name,
                "about": ABOUT[instrument.code],
                "first": pair.first,
                "first_band": outcomes.band(instrument, pair.first),
                "last": pair.last,
                "last_band": "" if pair.last is None else outcomes.band(instrument, pair.last),
            }
        )
    return rows


def _cut_offs() -> str:
    phq, gad = PHQ9, GAD7
    return (
        f"{phq.name} {phq.caseness_threshold} or more, {gad.name} {gad.caseness_threshold} or more"
    )


def _reliable(instrument: Instrument) -> str:
    return f"{instrument.reliable_change} or more on {instrument.name}"


def outcome_words(o: outcomes.CourseOutcome) -> list[str]:
    """Recovery and reliable change as a GP reads them (docs/clinical-rules.md 5.1, 5.4)."""
    if not o.paired:
        return [
            "Recovery and reliable change need a first and a last score on both the PHQ-9 "
            "and the GAD-7, which this course does not have, so they cannot be given."
        ]
    words = []
    if not o.at_caseness:
        words.append(
            f"Their first scores were below the clinical cut-offs ({_cut_offs()}), so "
            "recovery does not apply."
        )
    elif o.recovered:
        words.append(
            f"Recovery: their first scores were at or above a clinical cut-off ({_cut_offs()}) "
            "and their last scores are below both."
        )
    else:
        words.append(
            f"Not recovered: their first scores were at or above a clinical cut-off "
            f"({_cut_offs()}) and their last scores are still at or above one."
        )
    reliable = f"a change of {_reliable(PHQ9)}, {_reliable(GAD7)}"
    if o.reliable_recovery:
        words.append(f"Reliable recovery: they recovered and also improved reliably ({reliable}).")
    elif o.reliable_improvement:
        words.append(
            f"Reliable improvement: at least one measure fell reliably ({reliable}) and "
            "neither rose reliably."
        )
    elif o.reliable_deterioration:
        words.append(f"Reliable deterioration: at least one measure rose reliably ({reliable}).")
    else:
        words.append(f"No reliable change: neither measure changed reliably ({reliable}).")
    if o.mixed:
        words.append(
            "One measure improved reliably while the other got reliably worse; our service "
            "counts this as "
            + ("reliable deterioration." if o.reliable_deterioration else "no reliable change.")
        )
    return words


def _alerts(course: Course, firsts: dict[str, int]) -> list[dict[str, Any]]:
    """Each risk alert of the course, oldest first: PHQ-9 question 9 with the answer given,
    or a reliable rise from the course's first score (``firsts``, by instrument code);
    when it was raised and when a clinician reviewed it."""
    options = {value: label for value, label, _ in PHQ9.options}
    names = {PHQ9.code: PHQ9.name, GAD7.code: GAD7.name}
    alerts = RiskAlert.objects.filter(course=course).select_related("response")
    rows = []
    for alert in alerts.order_by("raised_at", "id"):
        response = alert.response
        if alert.kind == AlertKind.RISK_ANSWER:
            answer = response.answer(9)
            said = options.get(answer, str(answer)) if answer is not None else "unanswered"
            what = f"PHQ-9 question 9 answered \u201c{said}\u201d"
        else:
            name = names.get(alert.instrument_code, alert.instrument_code)
            first = firsts.get(alert.instrument_code)
            since = f"from {first} " if first is not None else ""
            what = f"{name} rose reliably {since}to {response.total}"
        reviewed = alert.acknowledged_at
        rows.append(
            {
                "on": timezone.localtime(alert.raised_at).date(),
                "what": what,
                "question_9": alert.kind == AlertKind.RISK_ANSWER,
                "reviewed_on": timezone.localtime(reviewed).date() if reviewed else None,
            }
        )
    return rows

"""Demo problems and goals, a between-session task the patient noted, a course in its
ending phase with its review, and a course that ended with its review, goodbye letter and
outcomes. Synthetic people and words only."""

from interplay.accounts.models import User
from interplay.audit.actors import PatientActor
from interplay.courses import attendance
from interplay.courses.models import Course
from interplay.demo.data import ENDED_PROBLEMS
from interplay.progress import letters, stage
from interplay.progress import services as progress
from interplay.progress.models import BetweenSessionTask, EndingLetterKind, Problem

PROBLEMS = [
    ("problem", "Feeling cut off from friends since the move", 8, 5),
    ("problem", "Arguments with my partner about money", 7, 4),
    ("goal", "Join a local walking group", 1, 6),
]


def problems_and_task(course: Course, therapist: User) -> None:
    """Part-way: problems with their first ratings, two shared and rated by the patient,
    and the task set at session 2 shared and noted by the patient."""
    first = course.appointments.get(number=1)
    patient = PatientActor(course.patient)
    for index, (kind, words, baseline, own) in enumerate(PROBLEMS):
        problem = progress.add_problem(
            actor=therapist,
            course=course,
            kind=kind,
            description=words,
            baseline=baseline,
            session=first,
        )
        if index < 2:
            progress.set_shared(actor=therapist, item=problem, shared=True)
            progress.rate_problem(actor=patient, problem=problem, score=own)
    task = BetweenSessionTask.objects.filter(course=course).order_by("set_at__number").first()
    if task is not None:
        progress.set_shared(actor=therapist, item=task, shared=True)
        progress.note_task(
            actor=patient,
            task=task,
            note="I noticed it most on Sunday evenings. I texted an old friend once.",
        )


def ending_review(course: Course, therapist: User) -> None:
    """In the ending phase: problems re-rated at the middle session and the review written."""
    first = course.appointments.get(number=1)
    for kind, words, baseline, _ in PROBLEMS[1:]:
        progress.add_problem(
            actor=therapist,
            course=course,
            kind=kind,
            description=words,
            baseline=baseline,
            session=first,
        )
    named = stage.rerate_numbers(course)[0]
    progress.rerate(
        actor=therapist,
        course=course,
        session=course.appointments.get(number=named),
        scores={p: (3 if p.kind == "problem" else 7) for p in course.problems.all()},
    )
    progress.save_ending_review(
        actor=therapist,
        course=course,
        patient_reflections="Talking earlier, before things build up, has helped most.",
        therapist_reflections="They named the pattern themselves by the middle sessions.",
        warning_signs="Not sleeping; avoiding calls; rows about small things.",
        relapse_plan="Tell their partner early, use the walking group, and see the GP if "
        "low mood lasts two weeks.",
    )


def ended(course: Course, therapist: User) -> None:
    """Every session held: the problems first identified, re-rated at the sessions the
    protocol names, the ending review, the goodbye letter produced (a PDF) and shared, and
    the course ended as completed (so the referral is discharged)."""
    first = course.appointments.get(number=1)
    rated: dict[int, dict[Problem, int]] = {}
    for kind, words, baseline, *later in ENDED_PROBLEMS:
        problem = progress.add_problem(
            actor=therapist,
            course=course,
            kind=kind,
            description=words,
            baseline=baseline,
            session=first,
        )
        progress.set_shared(actor=therapist, item=problem, shared=True)
        for number, score in zip(stage.rerate_numbers(course), later, strict=True):
            rated.setdefault(number, {})[problem] = score
    for number, scores in rated.items():
        progress.rerate(
            actor=therapist,
            course=course,
            session=course.appointments.get(number=number),
            scores=scores,
        )
    review = progress.save_ending_review(
        actor=therapist,
        course=course,
        patient_reflections="Asking for help felt selfish at first; now it feels fair.",
        therapist_reflections="You saw the pattern with your sister, at work and with me, "
        "and tried something different each time.",
        warning_signs="Saying yes to everything; lying awake going over what others need.",
        relapse_plan="Notice the resentment early, ask one person for help, and contact "
        "the service or the GP if low mood lasts two weeks.",
    )
    words = letters.draft(course, EndingLetterKind.GOODBYE, list(course.problems.all()), review)
    letter = progress.save_letter_draft(
        actor=therapist,
        course=course,
        kind=EndingLetterKind.GOODBYE,
        draft=f"{words}\n\nIt has been good to work with you. I wish you well.",
    )
    letter = progress.produce_course_letter(actor=therapist, course_letter=letter)
    progress.set_shared(actor=therapist, item=letter, shared=True)
    attendance.end_course(
        actor=therapist,
        course=course,
        outcome="completed",
        reason="All sixteen sessions held; the ending reviewed together.",
    )

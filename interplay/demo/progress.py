"""Demo problems and goals, a between-session task the patient noted, and a course in its
ending phase with its review. Synthetic people and words only."""

from interplay.accounts.models import User
from interplay.audit.actors import PatientActor
from interplay.courses.models import Course
from interplay.progress import services as progress
from interplay.progress import stage
from interplay.progress.models import BetweenSessionTask

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

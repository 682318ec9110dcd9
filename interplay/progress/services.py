"""Problems and goals, their ratings, between-session tasks, sharing and the ending review.

Each function checks its actor, changes state in one transaction, and audits with coded
values only (never what anyone wrote). The therapist of the course writes; the patient,
as ``PatientActor``, may rate shared problems and note what they did with a shared task.
The ending letters' first drafts are in ``letters.py``.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from interplay.accounts.permissions import Action, can
from interplay.audit.actors import PatientActor
from interplay.audit.services import record
from interplay.courses.models import LIVE, Appointment, Course, CourseStatus
from interplay.encounters.models import SessionRecord
from interplay.letters.services import produce_letter
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.patients.models import Consent, ConsentKind
from interplay.progress import stage
from interplay.progress.letters import discharge_facts
from interplay.progress.models import (
    BetweenSessionTask,
    CourseLetter,
    EndingLetterKind,
    EndingReview,
    Problem,
    ProblemKind,
    ProblemRating,
    Rater,
)

REVIEW_FIELDS = ("patient_reflections", "therapist_reflections", "warning_signs", "relapse_plan")


def is_therapist_of(actor: Any, course: Course) -> bool:
    return can(actor, Action.RUN_COURSE) and course.therapist_id == actor.pk


def is_patient_of(actor: Any, course: Course) -> bool:
    return isinstance(actor, PatientActor) and actor.patient.pk == course.patient_id


def _therapist(actor: Any, course: Course) -> None:
    if not is_therapist_of(actor, course):
        raise PermissionDenied("Only the course's therapist changes this.")


def _active(course: Course) -> None:
    if course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has ended; this can no longer change.")


def _score(score: Any) -> int:
    if not isinstance(score, int) or not 0 <= score <= 10:
        raise RuleViolation("Give a rating from 0 to 10.")
    return score


def _session_of(course: Course, session: Appointment) -> Appointment:
    if session.course_id != course.pk or session.status not in LIVE:
        raise RuleViolation("Choose a session of this course that was not cancelled.")
    return session


# Problems and goals


@transaction.atomic
def add_problem(
    *, actor: Any, course: Course, kind: str, description: str, baseline: int, session: Appointment
) -> Problem:
    """List a problem or goal first identified at an initial-phase ``session``, with its
    baseline rating (0-10: for a problem, how bad it is; for a goal, how far achieved)."""
    _therapist(actor, course)
    _active(course)
    if kind not in ProblemKind.values:
        raise RuleViolation("Say whether this is a problem or a goal.")
    if not description.strip():
        raise RuleViolation("Describe the problem or goal.")
    _session_of(course, session)
    if session.number not in stage.initial_numbers(course):
        raise RuleViolation("Problems and goals are first identified in the initial phase.")
    now = timezone.now()
    problem = Problem.objects.create(
        course=course,
        kind=kind,
        description=description.strip(),
        identified_at=session,
        created_at=now,
        created_by=actor,
    )
    ProblemRating.objects.create(
        problem=problem,
        score=_score(baseline),
        session=session,
        rater=Rater.THERAPIST,
        rated_by=actor,
        rated_at=now,
        baseline=True,
    )
    record(
        actor=actor,
        action="progress.problem_added",
        obj=course,
        detail={"kind": kind, "baseline": baseline, "session": session.number},
    )
    return problem


@transaction.atomic
def rate_problem(
    *, actor: Any, problem: Problem, score: int, session: Appointment | None = None
) -> ProblemRating:
    """Re-rate one problem or goal, 0-10.

    The therapist rates at a session the protocol names (``stage.rerate_numbers``) once
    it is recorded as attended, once per session. The patient (a ``PatientActor`` of
    this course) rates a shared problem whenever they like; their rating is filed under
    the latest session.
    """
    course = problem.course
    _active(course)
    if is_patient_of(actor, course):
        if not problem.shared:
            raise PermissionDenied("This problem is not shared with the patient.")
        rater, rated_by, session = Rater.PATIENT, None, stage.latest_started(course)
    else:
        _therapist(actor, course)
        if session is None:
            raise RuleViolation("Choose the session you are rating at.")
        _session_of(course, session)
        refusal = stage.rerate_refusal(course, session.number)
        if refusal:
            raise RuleViolation(refusal)
        if problem.ratings.filter(session=session, rater=Rater.THERAPIST).exists():
            raise RuleViolation(f"Already rated at session {session.number}.")
        rater, rated_by = Rater.THERAPIST, actor
    rating = ProblemRating.objects.create(
        problem=problem,
        score=_score(score),
        session=session,
        rater=rater,
        rated_by=rated_by,
        rated_at=timezone.now(),
    )
    record(
        actor=actor,
        action="progress.problem_rated",
        obj=course,
        detail={
            "kind": problem.kind,
            "score": score,
            "rater": rater.value,
            "session": session.number if session else None,
        },
    )
    return rating


@transaction.atomic
def rerate(
    *, actor: Any, course: Course, session: Appointment, scores: Mapping[Problem, int]
) -> list[ProblemRating]:
    """Re-rate several problems of ``course`` at one named session, all or none."""
    if not scores:
        raise RuleViolation("There are no problems or goals to rate yet.")
    if any(problem.course_id != course.pk for problem in scores):
        raise RuleViolation("Rate only this course's problems.")
    return [
        rate_problem(actor=actor, problem=problem, score=score, session=session)
        for problem, score in scores.items()
    ]


# Sharing


@transaction.atomic
def set_shared(
    *, actor: Any, item: Problem | BetweenSessionTask | CourseLetter, shared: bool
) -> Any:
    """Show ``item`` in the patient's portal, or stop showing it. A letter is shared only
    once it has been produced. Notes and risk records have no such switch: never shown."""
    course = item.course
    _therapist(actor, course)
    if isinstance(item, CourseLetter) and shared and not item.produced:
        raise RuleViolation("Produce the letter before sharing it.")
    item.shared = shared
    item.save(update_fields=["shared"])
    what = {Problem: "problem", BetweenSessionTask: "task", CourseLetter: "letter"}[type(item)]
    record(
        actor=actor,
        action="progress.shared" if shared else "progress.unshared",
        obj=course,
        detail={"what": what},
    )
    return item


# Between-session tasks


def previous_task(appointment: Appointment) -> BetweenSessionTask | None:
    """The task set at the latest earlier session of the course: reviewed at this one."""
    return (
        BetweenSessionTask.objects.filter(
            course_id=appointment.course_id, set_at__number__lt=appointment.number
        )
        .select_related("set_at")
        .order_by("-set_at__number")
        .first()
    )


def task_shared_by_default(course: Course) -> bool:
    """Whether a new task of ``course`` is shared with the patient unless the therapist
    says otherwise: yes once the therapist has shared a task of this course (they work
    with this patient's portal). Per course: another patient's portal says nothing about
    this one's. The session record's form says which it will be."""
    return course.between_session_tasks.filter(shared=True).exists()


def task_will_be_shared(appointment: Appointment) -> bool:
    """Whether the task set at ``appointment`` is shared, or, before one is set, whether
    it would be (``task_shared_by_default``)."""
    task = BetweenSessionTask.objects.filter(set_at=appointment).only("shared").first()
    return task.shared if task is not None else task_shared_by_default(appointment.course)


@transaction.atomic
def sync_record_tasks(
    *, actor: Any, session_record: SessionRecord, share: bool | None = None
) -> BetweenSessionTask | None:
    """Keep the task rows in step with a saved session record: its "work to do before the
    next session" is the task set at this session, and its "how the work between
    sessions went" is the review of the previous one. Called by ``encounters.save_record``.
    ``share`` says whether the task is shown in the patient's portal; when None a new
    task follows ``task_shared_by_default`` and an existing one stays as it is.
    Returns the task set at this session, if any."""
    appointment = session_record.appointment
    course = appointment.course
    _therapist(actor, course)
    text = session_record.between_session_task.strip()
    task = BetweenSessionTask.objects.filter(set_at=appointment).first()
    if text and (task is None or task.text != text):
        if task is None:
            task = BetweenSessionTask(course=course, set_at=appointment)
            task.shared = task_shared_by_default(course) if share is None else share
        task.text = text
        task.save()
        record(
            actor=actor,
            action="progress.task_set",
            obj=course,
            detail={"session": appointment.number, "shared": task.shared},
        )
    elif not text and task is not None and not task.patient_note:
        task.delete()
        task = None
        record(
            actor=actor,
            action="progress.task_removed",
            obj=course,
            detail={"session": appointment.number},
        )
    if task is not None and share is not None and task.shared != share:
        set_shared(actor=actor, item=task, shared=share)
    _review(actor, appointment, session_record.previous_task_review.strip())
    return task


def _review(actor: Any, appointment: Appointment, review: str) -> None:
    earlier = previous_task(appointment)
    if earlier is None or earlier.review == review:
        return
    earlier.review, earlier.reviewed_at = review, appointment if review else None
    earlier.save(update_fields=["review", "reviewed_at", "updated_at"])
    record(
        actor=actor,
        action="progress.task_reviewed",
        obj=appointment.course,
        detail={"session": appointment.number, "set_at": earlier.set_at.number},
    )


@transaction.atomic
def note_task(*, actor: Any, task: BetweenSessionTask, note: str) -> BetweenSessionTask:
    """The patient notes what they did with a shared task and how it went (portal)."""
    course = task.course
    if not is_patient_of(actor, course) or not task.shared:
        raise PermissionDenied("Only the patient notes a task shared with them.")
    _active(course)
    if not note.strip():
        raise RuleViolation("Write what you did and how it went.")
    task.patient_note, task.patient_noted_at = note.strip(), timezone.now()
    task.save(update_fields=["patient_note", "patient_noted_at", "updated_at"])
    record(
        actor=actor,
        action="progress.task_noted",
        obj=course,
        detail={"set_at": task.set_at.number},
    )
    return task


# The ending review


@transaction.atomic
def save_ending_review(*, actor: Any, course: Course, **fields: str) -> EndingReview:
    """Write or change the course's ending review: the patient's and therapist's
    reflections, warning signs and what to do if they return (docs/clinical-rules.md 1.9). Once the
    ending phase has begun, until the course ends."""
    _therapist(actor, course)
    _active(course)
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValueError(f"Not ending review fields: {sorted(unknown)}")
    if not stage.ending_begun(course):
        raise RuleViolation("The ending review opens when the ending phase begins.")
    review = EndingReview.objects.select_for_update().filter(course=course).first()
    created = review is None
    review = review or EndingReview(course=course)
    for name, value in fields.items():
        setattr(review, name, value.strip())
    review.updated_at, review.updated_by = timezone.now(), actor
    review.save()
    record(
        actor=actor,
        action="progress.ending_review_saved",
        obj=course,
        detail={"created": created, "filled": [n for n in REVIEW_FIELDS if getattr(review, n)]},
    )
    return review


# Ending letters: goodbye (DIT), ending summary (IPT, group IPT), discharge to the GP


def letter_kinds(course: Course) -> list[str]:
    """The ending letters a course has: DIT's goodbye letter (docs/clinical-rules.md 2.3) or
    IPT's ending
    summary (1.9), and the GP's discharge letter."""
    first = (
        EndingLetterKind.GOODBYE if course.modality == "dit" else EndingLetterKind.ENDING_SUMMARY
    )
    return [first, EndingLetterKind.DISCHARGE]


def gp_consent(course: Course) -> bool:
    """Whether the patient's consent to contact with their GP is in force now."""
    consent = Consent.objects.current_for(course.patient).filter(kind=ConsentKind.GP_CONTACT)
    latest = consent.first()
    return latest.given if latest is not None else bool(course.referral.consent_to_gp_contact)


def _letter_allowed(actor: Any, course: Course, kind: str) -> None:
    _therapist(actor, course)
    if kind not in letter_kinds(course):
        raise RuleViolation("This course has no letter of that kind.")
    if not stage.ending_begun(course):
        raise RuleViolation("Ending letters are written once the ending phase begins.")
    if kind == EndingLetterKind.DISCHARGE and not gp_consent(course):
        raise RuleViolation(
            "The patient has not agreed to us contacting their GP, so no discharge letter "
            "can go to the GP. Record their consent first if they give it."
        )


@transaction.atomic
def save_letter_draft(*, actor: Any, course: Course, kind: str, draft: str) -> CourseLetter:
    """Keep the therapist's words for one ending letter, until it is produced."""
    _letter_allowed(actor, course, kind)
    letter = CourseLetter.objects.select_for_update().filter(course=course, kind=kind).first()
    if letter is not None and letter.produced:
        raise RuleViolation("This letter has been produced; it no longer changes.")
    letter = letter or CourseLetter(course=course, kind=kind)
    letter.draft, letter.updated_at = draft.strip(), timezone.now()
    letter.save()
    record(actor=actor, action="progress.letter_drafted", obj=course, detail={"kind": kind})
    return letter


def produce_course_letter(*, actor: Any, course_letter: CourseLetter) -> CourseLetter:
    """Produce the PDF from the saved draft through the letters app, keep it with the
    course, and email it where the patient agreed to email (a GP letter goes by post).

    The GP's discharge letter only once the course has ended: it states the first and
    last scores, the outcome and the risk alerts of the whole course, read from the record
    as the letter is made (``letters.discharge_facts``)."""
    course = course_letter.course
    _letter_allowed(actor, course, course_letter.kind)
    if course_letter.produced:
        raise RuleViolation("This letter has already been produced.")
    if not course_letter.draft.strip():
        raise RuleViolation("Write the letter before producing it.")
    to_gp = course_letter.kind == EndingLetterKind.DISCHARGE
    if to_gp:
        course.refresh_from_db(fields=["status", "ended_at"])
    if to_gp and not course.ended_at:
        raise RuleViolation(
            "The discharge letter is produced once the course has ended: end the course first."
        )
    patient = course.patient
    subjects = {
        EndingLetterKind.GOODBYE: "Our goodbye letter",
        EndingLetterKind.ENDING_SUMMARY: "A summary of your therapy",
        EndingLetterKind.DISCHARGE: f"Discharge: your patient {patient.full_name}",
    }
    letter = produce_letter(
        actor=actor,
        kind=course_letter.kind,
        referral=course.referral,
        recipient_role="gp" if to_gp else "patient",
        recipient_name=f"The GP, {patient.gp_practice}" if to_gp else patient.full_name,
        recipient_address=(patient.gp_address or patient.gp_practice)
        if to_gp
        else "\n".join(patient.address_lines()),
        recipient_email="" if to_gp or not _email_agreed(course) else patient.email,
        subject=subjects[EndingLetterKind(course_letter.kind)],
        body=course_letter.draft,
        context={"course": discharge_facts(course)} if to_gp else None,
    )
    with transaction.atomic():
        locked = CourseLetter.objects.select_for_update().get(pk=course_letter.pk)
        if locked.produced:
            raise RuleViolation("This letter has already been produced.")
        locked.letter, locked.updated_at = letter, timezone.now()
        locked.save(update_fields=["letter", "updated_at"])
        record(
            actor=actor,
            action="progress.letter_produced",
            obj=course,
            detail={"kind": course_letter.kind},
        )
    return locked


def _email_agreed(course: Course) -> bool:
    """Consent to email recorded, else the referral's preferred contact was email."""
    latest = (
        Consent.objects.current_for(course.patient).filter(kind=ConsentKind.EMAIL_CONTACT).first()
    )
    agreed = latest.given if latest else course.referral.preferred_contact == "email"
    return bool(agreed and course.patient.email)

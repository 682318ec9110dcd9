"""Problems and goals, the ending review, ending letters, and sharing: the course's
therapist writes, their supervisor reads, everyone else 403 or 404."""

import uuid
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record
from interplay.courses.models import Appointment, Course
from interplay.courses.permissions import visible_courses
from interplay.letters import services as letters
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.progress import chart, services, stage
from interplay.progress.forms import LetterForm, ProblemForm, RerateForm, ReviewForm, ShareForm
from interplay.progress.letters import draft, progress_lines
from interplay.progress.models import (
    BetweenSessionTask,
    CourseLetter,
    EndingLetterKind,
    EndingReview,
    Problem,
    ProblemRating,
)


def _course(request: HttpRequest, public_id: uuid.UUID) -> Course:
    return get_object_or_404(
        visible_courses(request.user).select_related("patient", "therapist", "referral"),
        public_id=public_id,
    )


def _problems(course: Course) -> list[Problem]:
    ratings = ProblemRating.objects.select_related("session", "rated_by").order_by("rated_at", "id")
    return list(
        course.problems.select_related("identified_at").prefetch_related(
            Prefetch("ratings", queryset=ratings)
        )
    )


def _session(course: Course, number: int) -> Appointment:
    session = course.appointments.live().filter(number=number).first()
    if session is None:
        raise RuleViolation(f"Session {number} was cancelled or is not in this course.")
    return session


def _refused(request: HttpRequest, error: Exception) -> HttpResponse | None:
    if isinstance(error, PermissionDenied):
        return render(request, "403.html", status=403)
    return None


# Problems and goals


def _problems_page(
    request: HttpRequest, course: Course, status: int = 200, **bound: Any
) -> HttpResponse:
    problems = _problems(course)
    numbers = stage.rerate_numbers(course)
    context = {
        "course": course,
        "problems": problems,
        "rows": [_row(p, numbers) for p in problems],
        "chart": chart.data_uri(chart.ratings_svg(problems)) if problems else "",
        "mine": services.is_therapist_of(request.user, course),
        "active": course.status == "active",
        "rerate_numbers": numbers,
        "problem_form": bound.get("problem_form")
        or ProblemForm(sessions=list(stage.initial_numbers(course))),
        "rerate_form": bound.get("rerate_form") or RerateForm(sessions=numbers, problems=problems),
    }
    return render(request, "progress/problems.html", context, status=status)


def _row(problem: Problem, numbers: tuple[int, ...]) -> dict[str, Any]:
    """One line of the ratings table: first, each named session, the patient's latest."""
    ratings = list(problem.ratings.all())
    mine = {r.session.number: r.score for r in ratings if r.rater == "therapist" and r.session}
    theirs = [r for r in ratings if r.rater == "patient"]
    return {
        "problem": problem,
        "first": ratings[0] if ratings else None,
        "at": [mine.get(n) for n in numbers],
        "patient": theirs[-1] if theirs else None,
    }


@require_GET
@require(Action.VIEW_COURSE)
def problems(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The problems and goals first identified, their ratings as a chart and a table."""
    course = _course(request, public_id)
    record(actor=request.user, action="progress.problems_viewed", obj=course)
    return _problems_page(request, course)


@require_POST
@require(Action.RUN_COURSE)
def add_problem(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    course = _course(request, public_id)
    form = ProblemForm(request.POST, sessions=list(stage.initial_numbers(course)))
    if not form.is_valid():
        return _problems_page(request, course, status=400, problem_form=form)
    data = form.cleaned_data
    try:
        services.add_problem(
            actor=request.user,
            course=course,
            kind=data["kind"],
            description=data["description"],
            baseline=data["baseline"],
            session=_session(course, data["session"]),
        )
    except (PermissionDenied, RuleViolation) as error:
        form.add_error(None, str(error))
        return _refused(request, error) or _problems_page(
            request, course, status=409, problem_form=form
        )
    messages.success(request, f"{data['kind'].capitalize()} added.")
    return redirect("progress:problems", public_id=course.public_id)


@require_POST
@require(Action.RUN_COURSE)
def rerate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    course = _course(request, public_id)
    problems = _problems(course)
    form = RerateForm(request.POST, sessions=stage.rerate_numbers(course), problems=problems)
    if not form.is_valid():
        return _problems_page(request, course, status=400, rerate_form=form)
    try:
        session = _session(course, form.cleaned_data["session"])
        services.rerate(actor=request.user, course=course, session=session, scores=form.scores())
    except (PermissionDenied, RuleViolation) as error:
        form.add_error(None, str(error))
        return _refused(request, error) or _problems_page(
            request, course, status=409, rerate_form=form
        )
    messages.success(request, f"Ratings at session {session.number} saved.")
    return redirect("progress:problems", public_id=course.public_id)


def _share(request: HttpRequest, item: Any, back: str, **kwargs: Any) -> HttpResponse:
    form = ShareForm(request.POST)
    form.is_valid()
    shared = bool(form.cleaned_data.get("shared"))
    try:
        services.set_shared(actor=request.user, item=item, shared=shared)
    except PermissionDenied:
        return render(request, "403.html", status=403)
    except RuleViolation as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Now shown to the patient." if shared else "No longer shown to the patient."
        )
    return redirect(back, **kwargs)


@require_POST
@require(Action.RUN_COURSE)
def share_problem(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    problem = get_object_or_404(
        Problem.objects.filter(course__in=visible_courses(request.user)).select_related("course"),
        public_id=public_id,
    )
    return _share(request, problem, "progress:problems", public_id=problem.course.public_id)


@require_POST
@require(Action.RUN_COURSE)
def share_task(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    task = get_object_or_404(
        BetweenSessionTask.objects.filter(course__in=visible_courses(request.user)).select_related(
            "course", "set_at"
        ),
        public_id=public_id,
    )
    return _share(request, task, "courses:session", public_id=task.set_at.public_id)


# The ending review


def _ending_page(
    request: HttpRequest, course: Course, status: int = 200, **bound: Any
) -> HttpResponse:
    review = EndingReview.objects.filter(course=course).first()
    initial = {name: getattr(review, name) for name in services.REVIEW_FIELDS} if review else {}
    context = {
        "course": course,
        "problems": _problems(course),
        "review": review,
        "begun": stage.ending_begun(course),
        "ending": stage.ending_phase(course),
        "mine": services.is_therapist_of(request.user, course),
        "active": course.status == "active",
        "form": bound.get("form") or ReviewForm(initial=initial),
    }
    return render(request, "progress/ending.html", context, status=status)


@require_GET
@require(Action.VIEW_COURSE)
def ending(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The ending review: each problem's first and latest rating, reflections, relapse plan."""
    course = _course(request, public_id)
    record(actor=request.user, action="progress.ending_viewed", obj=course)
    return _ending_page(request, course)


@require_POST
@require(Action.RUN_COURSE)
def save_ending(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    course = _course(request, public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _ending_page(request, course, status=400, form=form)
    try:
        services.save_ending_review(actor=request.user, course=course, **form.cleaned_data)
    except (PermissionDenied, RuleViolation) as error:
        form.add_error(None, str(error))
        return _refused(request, error) or _ending_page(request, course, status=409, form=form)
    messages.success(request, "Ending review saved.")
    return redirect("progress:ending", public_id=course.public_id)


# Ending letters


NOUNS: dict[str, str] = {
    EndingLetterKind.GOODBYE: "goodbye letter",
    EndingLetterKind.ENDING_SUMMARY: "ending summary",
    EndingLetterKind.DISCHARGE: "discharge letter",
}


def _letters_page(
    request: HttpRequest, course: Course, status: int = 200, **bound: Any
) -> HttpResponse:
    kept = {cl.kind: cl for cl in course.ending_letters.select_related("letter")}
    shared = [p for p in _problems(course) if p.shared]
    review = EndingReview.objects.filter(course=course).first()
    rows = []
    for kind in services.letter_kinds(course):
        letter = kept.get(kind)
        text = letter.draft if letter and letter.draft else draft(course, kind, shared, review)
        form = bound.get(kind) or LetterForm(prefix=kind, initial={"draft": text})
        rows.append(
            {"kind": EndingLetterKind(kind), "noun": NOUNS[kind], "letter": letter, "form": form}
        )
    context = {
        "course": course,
        "rows": rows,
        "begun": stage.ending_begun(course),
        "goodbye_due": stage.goodbye_due(course) if course.modality == "dit" else None,
        "ending_first": stage.ending_phase(course).first,
        "gp_consent": services.gp_consent(course),
        "ended": course.ended_at is not None,
        "mine": services.is_therapist_of(request.user, course),
        "shared_lines": progress_lines(shared),
    }
    return render(request, "progress/letters.html", context, status=status)


@require_GET
@require(Action.VIEW_COURSE)
def letters_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Draft, edit, produce and share the goodbye letter or ending summary, and the GP's."""
    course = _course(request, public_id)
    record(actor=request.user, action="progress.letters_viewed", obj=course)
    return _letters_page(request, course)


def _kind(kind: str) -> str:
    if kind not in EndingLetterKind.values:
        raise Http404("No such letter")
    return kind


def _save_draft(request: HttpRequest, course: Course, kind: str) -> Any:
    """The bound form and the saved letter, or the page to answer with."""
    form = LetterForm(request.POST, prefix=kind)
    if not form.is_valid():
        return form, _letters_page(request, course, status=400, **{kind: form})
    try:
        letter = services.save_letter_draft(
            actor=request.user, course=course, kind=kind, draft=form.cleaned_data["draft"]
        )
    except (PermissionDenied, RuleViolation) as error:
        form.add_error(None, str(error))
        return form, _refused(request, error) or _letters_page(
            request, course, status=409, **{kind: form}
        )
    return form, letter


@require_POST
@require(Action.RUN_COURSE)
def save_letter(request: HttpRequest, public_id: uuid.UUID, kind: str) -> HttpResponse:
    course = _course(request, public_id)
    _, saved = _save_draft(request, course, _kind(kind))
    if isinstance(saved, HttpResponse):
        return saved
    messages.success(request, f"{saved.get_kind_display()}: draft saved.")
    return redirect("progress:letters", public_id=course.public_id)


@require_POST
@require(Action.RUN_COURSE)
def produce(request: HttpRequest, public_id: uuid.UUID, kind: str) -> HttpResponse:
    """Save the words as they stand, then make the PDF."""
    course = _course(request, public_id)
    form, saved = _save_draft(request, course, _kind(kind))
    if isinstance(saved, HttpResponse):
        return saved
    try:
        services.produce_course_letter(actor=request.user, course_letter=saved)
    except (PermissionDenied, RuleViolation) as error:
        form.add_error(None, str(error))
        return _refused(request, error) or _letters_page(
            request, course, status=409, **{kind: form}
        )
    messages.success(request, f"{saved.get_kind_display()} produced.")
    return redirect("progress:letters", public_id=course.public_id)


def _course_letter(request: HttpRequest, public_id: uuid.UUID) -> CourseLetter:
    return get_object_or_404(
        CourseLetter.objects.filter(
            course__in=visible_courses(request.user), letter__isnull=False
        ).select_related("course", "letter"),
        public_id=public_id,
    )


@require_POST
@require(Action.RUN_COURSE)
def share_letter(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = _course_letter(request, public_id)
    return _share(request, letter, "progress:letters", public_id=letter.course.public_id)


@require_GET
@require(Action.VIEW_COURSE)
def letter_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The produced PDF, exactly as sent, for the course's therapist and supervisor."""
    course_letter = _course_letter(request, public_id)
    letter = course_letter.letter
    assert letter is not None
    letters.view_letter(actor=request.user, letter=letter)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=letter.filename
    )
    response["Cache-Control"] = "no-store"
    return response

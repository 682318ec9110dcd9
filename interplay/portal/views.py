"""The patient's own pages: sign in by emailed link and date of birth, the next
sessions, the questionnaires due before them, and their own scores.

Every query here is made from the signed-in patient: nothing is looked up by an id alone,
so another person's session, answers or letters answer 404 whatever the URL.
"""

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.audit.actors import PatientActor
from interplay.audit.services import record as audit
from interplay.clinic import ratelimit
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Appointment, AppointmentStatus, Course, CourseStatus
from interplay.forms import DateField, InterplayForm
from interplay.formulation import circle
from interplay.formulation import services as formulation
from interplay.formulation.forms import PlaceForm
from interplay.formulation.services import shared_formulation
from interplay.groups import services as groups
from interplay.letters import services as letters
from interplay.lib import totp
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.lib.prepared import Prepared
from interplay.measures import charts
from interplay.measures.models import QuestionnaireResponse, ResponseSource
from interplay.measures.services import instrument_names
from interplay.monitoring import services as monitoring
from interplay.monitoring.forms import AnswersForm
from interplay.patients import access
from interplay.portal import session
from interplay.progress import services as progress
from interplay.progress.models import BetweenSessionTask, CourseLetter, Problem
from interplay.progress.sharing import patient_tasks, shared_letters, shared_problems

UPCOMING = 5


class EmailForm(InterplayForm):
    email = forms.EmailField(
        label="Your email address",
        help_text="The address you gave us. We will email you a link to sign in.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the right format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class BirthDateForm(InterplayForm):
    date_of_birth = DateField(
        noun="date of birth",
        past=True,
        label="Your date of birth",
        help_text="To check it is you. For example, 31 3 1980",
    )


class CodeForm(InterplayForm):
    code = forms.CharField(
        label="The 6 numbers your authenticator app shows",
        max_length=8,
        error_messages={"required": "Enter the 6 numbers from your authenticator app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    code.input_width = 10  # type: ignore[attr-defined]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if session.signed_in(request) is None and session.waiting_patient(request) is not None:
        return redirect("portal:code")
    if session.signed_in(request) is None:
        return render(request, "portal/sign_in.html", {"form": EmailForm()})
    return _dashboard(request)


@session.patient_required
def _dashboard(
    request: HttpRequest, actor: PatientActor, bound: Mapping[str, forms.Form] | None = None
) -> HttpResponse:
    bound = bound or {}
    patient = actor.patient
    now = timezone.now()
    upcoming = list(
        Appointment.objects.filter(
            course__patient=patient, status=AppointmentStatus.BOOKED, starts_at__gt=now
        )
        .select_related("course", "room")
        .order_by("starts_at")[:UPCOMING]
    )
    scores = list(
        QuestionnaireResponse.objects.filter(course__patient=patient, complete=True)
        .select_related("appointment", "course")
        .defer("answers")  # encrypted, and the page shows totals: decrypt nothing
        .order_by("answered_at", "id")
    )
    audit(actor=actor, action="portal.home_viewed", obj=patient)
    due = monitoring.questionnaires_due(patient, now)
    codes = {r.instrument_code for r in scores} | {c for d in due for c in d.instrument_codes}
    context = {
        "patient": patient,
        "due": due,
        "names": instrument_names(codes),
        "upcoming": upcoming,
        "scores": scores,
        "group_places": groups.places_of(patient),
        **_chart(scores),
        **_shared_work(patient, bound),
    }
    return render(request, "portal/home.html", context, status=400 if bound else 200)


class RatingForm(InterplayForm):
    score = forms.TypedChoiceField(
        label="How is it now?",
        help_text="0 means not a problem at all (for a goal: not started); 10 means as bad as "
        "it could be (for a goal: fully achieved).",
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 0 to 10"},
    )
    score.inline = True  # type: ignore[attr-defined]


class NoteForm(InterplayForm):
    note = forms.CharField(
        label="What did you do, and how did it go?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Write what you did and how it went"},
    )


def _current_course(patient: Any) -> Course | None:
    """The course the patient is in now, else their most recent one."""
    courses = Course.objects.filter(patient=patient).order_by("-started_at")
    return courses.filter(status=CourseStatus.ACTIVE).first() or courses.first()


def _shared_work(patient: Any, bound: Mapping[str, forms.Form]) -> dict[str, Any]:
    """What the therapist has shared of the current course: the focus, problems (with a
    rating form each), tasks (with a note form each) and letters."""
    course = _current_course(patient)
    if course is None:
        return {}
    problems = shared_problems(course)
    tasks = patient_tasks(course)
    return {
        "course": course,
        "formulation": shared_formulation(course),
        "problems": [
            (p, bound.get(f"problem-{p.public_id}") or RatingForm(prefix=f"problem-{p.public_id}"))
            for p in problems
        ],
        "tasks": [
            (
                t,
                bound.get(f"task-{t.public_id}")
                or NoteForm(prefix=f"task-{t.public_id}", initial={"note": t.patient_note}),
            )
            for t in tasks
        ],
        "letters": shared_letters(course),
        "course_open": course.status == CourseStatus.ACTIVE,
    }


def _save_shared(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    thanks: str,
    anchor: str,
) -> HttpResponse:
    """Run ``save`` with a valid form: thanks and back to the page's section; otherwise the
    page again with the message beside the field and what was typed kept."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except (PermissionDenied, RuleViolation) as error:
            form.add_error(next(iter(form.fields)), str(error))
        else:
            messages.success(request, thanks)
            return redirect(reverse("portal:home") + anchor)
    return _dashboard(request, bound={form.prefix or "": form})


@require_POST
@session.patient_required
def rate_problem(request: HttpRequest, actor: PatientActor, public_id: uuid.UUID) -> HttpResponse:
    problem = Problem.objects.filter(
        public_id=public_id, course__patient=actor.patient, shared=True
    ).first()
    if problem is None:
        raise Http404
    return _save_shared(
        request,
        RatingForm(request.POST, prefix=f"problem-{problem.public_id}"),
        lambda data: progress.rate_problem(actor=actor, problem=problem, score=data["score"]),
        "Thank you: your rating is saved.",
        "#problems",
    )


@require_POST
@session.patient_required
def note_task(request: HttpRequest, actor: PatientActor, public_id: uuid.UUID) -> HttpResponse:
    task = (
        BetweenSessionTask.objects.shared()
        .filter(public_id=public_id, course__patient=actor.patient)
        .select_related("course", "set_at")
        .first()
    )
    if task is None:
        raise Http404
    return _save_shared(
        request,
        NoteForm(request.POST, prefix=f"task-{task.public_id}"),
        lambda data: progress.note_task(actor=actor, task=task, note=data["note"]),
        "Thank you: your note is saved for your therapist.",
        "#tasks",
    )


@require_http_methods(["GET", "POST"])
@session.patient_required
def closeness_circle(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    """The patient's own closeness circle, once the therapist has shared the formulation:
    they see it, and may move people to the ring that feels right."""
    course = _current_course(actor.patient)
    if course is None or shared_formulation(course) is None:
        raise Http404
    entries = list(course.inventory.select_related("placed_by"))
    form = PlaceForm(request.POST or None, entries=entries)
    if request.method == "POST" and form.is_valid():
        try:
            formulation.place_people(actor=actor, placements=form.placements())
        except (PermissionDenied, RuleViolation) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you: your circle is saved.")
            return redirect("portal:circle")
    context = {
        "course": course,
        "entries": entries,
        "dots": circle.layout([(str(e.name), e.ring) for e in entries if e.ring]),
        "circle": circle,
        "form": form,
        "course_open": course.status == CourseStatus.ACTIVE,
    }
    return render(request, "portal/circle.html", context, status=400 if form.errors else 200)


@require_GET
@session.patient_required
def letter_pdf(request: HttpRequest, actor: PatientActor, public_id: uuid.UUID) -> HttpResponse:
    """A letter the therapist shared, exactly as produced."""
    course_letter = (
        CourseLetter.objects.shared()
        .filter(public_id=public_id, course__patient=actor.patient)
        .select_related("letter")
        .first()
    )
    if course_letter is None or course_letter.letter is None:
        raise Http404
    letter = letters.view_letter(actor=actor, letter=course_letter.letter)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=letter.filename
    )
    response["Cache-Control"] = "no-store"
    return response


def _chart(scores: list[QuestionnaireResponse]) -> dict[str, str]:
    """The patient's own chart: their latest course's scores by session."""
    if not scores:
        return {}
    course = scores[-1].course
    assert course is not None
    points: dict[str, list[tuple[int, int]]] = {"phq9": [], "gad7": []}
    for response in scores:
        if response.course_id == course.pk and response.appointment and response.total is not None:
            points.get(response.instrument_code, []).append(
                (response.appointment.number, response.total)
            )
    return {
        "chart": charts.scores_chart(
            points["phq9"], points["gad7"], sessions=course.planned_sessions
        ),
        "chart_alt": charts.describe(points["phq9"], points["gad7"]),
    }


def _link_rate(group: str, request: HttpRequest) -> str:
    return str(settings.PORTAL_LINK_RATE_LIMIT)


@require_POST
def request_link(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/sign_in.html", {"form": form}, status=400)
    if ratelimit.is_limited(request, group="portal-link", key="ip", rate=_link_rate):
        form.add_error("email", "Too many sign-in links have been asked for. Try again later.")
        return render(request, "portal/sign_in.html", {"form": form}, status=429)
    access.ask_for_link(email=form.cleaned_data["email"])
    return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"]})


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link changes nothing; posting the right date of birth signs in."""
    if access.find_link(token) is None:
        return render(request, "portal/link_expired.html", {"form": EmailForm()}, status=410)
    form = BirthDateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signed = access.use_link(token=token, date_of_birth=form.cleaned_data["date_of_birth"])
        except RuleViolation as error:
            if access.find_link(token) is None:
                return render(
                    request, "portal/link_expired.html", {"form": EmailForm()}, status=410
                )
            form.add_error("date_of_birth", str(error))
        else:
            session.begin(request, signed.patient, needs_code=signed.needs_authenticator)
            if signed.needs_authenticator:
                request.session["portal_next"] = signed.next_path
                return redirect("portal:code")
            return redirect(signed.next_path or "portal:home")
    return render(request, "portal/link.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    patient = session.waiting_patient(request)
    if patient is None:
        return redirect("portal:home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access.check_code(patient=patient, code=form.cleaned_data["code"])
        except RuleViolation as error:
            form.add_error("code", str(error))
        else:
            next_path = request.session.pop("portal_next", "")
            session.verified(request)
            return redirect(next_path or "portal:home")
    return render(request, "portal/code.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@session.patient_required
def authenticator(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    """Add an authenticator app (optional): after this, signing in also asks for a code."""
    patient = actor.patient
    existing = getattr(patient, "authenticator", None)
    if existing is not None and existing.confirmed:
        return render(request, "portal/authenticator.html", {"confirmed": True})
    device = access.pending_authenticator(patient)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access.check_code(patient=patient, code=form.cleaned_data["code"], confirming=True)
        except RuleViolation as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, "Your authenticator app is set up.")
            return redirect("portal:home")
    url = access.config_url(device, ServiceSettings.load().name)
    context = {
        "form": form,
        "qr": totp.qr_svg(url),
        "secret": totp.base32_secret(device.key),
    }
    return render(request, "portal/authenticator.html", context, status=400 if form.errors else 200)


@require_POST
@session.patient_required
def remove_authenticator(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    access.remove_authenticator(patient=actor.patient)
    messages.success(request, "Your authenticator app has been removed.")
    return redirect("portal:home")


# Not its course: the pages show the session's time, and the service reads the course
# again under the session's lock. Compiled once per process (lib/prepared.py).
_OWN_APPOINTMENT = Prepared(
    Appointment,
    lambda patient, public_id: Appointment.objects.filter(
        course__patient=patient, public_id=public_id
    )[:1],
    patient="id",
    public_id="uuid",
)


def _own_appointment(actor: PatientActor, public_id: uuid.UUID) -> Appointment:
    found = _OWN_APPOINTMENT.run(patient=actor.patient.pk, public_id=public_id)
    if not found:
        raise Http404
    appointment: Appointment = found[0]
    return appointment


@require_http_methods(["GET", "POST"])
@session.patient_required
def questionnaire(
    request: HttpRequest, actor: PatientActor, public_id: uuid.UUID, code: str
) -> HttpResponse:
    appointment = _own_appointment(actor, public_id)
    instrument = monitoring.current_instrument(code)
    if instrument is None:
        return _not_open(request, appointment)
    form = AnswersForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        # The service checks, under the session's lock, that it is open: one transaction.
        # Answers sent twice are saved once, and the second lands on the thanks too.
        try:
            monitoring.submit_response(
                actor=actor,
                appointment=appointment,
                instrument_code=code,
                answers=form.answers(),
                difficulty=form.difficulty_answer(),
                source=ResponseSource.PORTAL,
            )
        except monitoring.NotOpen:
            return _not_open(request, appointment)
        except (PermissionDenied, RuleViolation) as error:
            form.add_error(None, str(error))
        else:
            return redirect("portal:answered", public_id=appointment.public_id)
    due = {
        d.appointment.pk: d.instrument_codes for d in monitoring.questionnaires_due(actor.patient)
    }
    if code not in due.get(appointment.pk, ()):
        return _not_open(request, appointment)
    context: dict[str, Any] = {"appointment": appointment, "instrument": instrument, "form": form}
    return render(request, "portal/questionnaire.html", context, status=400 if form.errors else 200)


def _not_open(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    return render(request, "portal/not_open.html", {"appointment": appointment}, status=404)


@require_GET
@session.patient_required
def answered(request: HttpRequest, actor: PatientActor, public_id: uuid.UUID) -> HttpResponse:
    """Thanks, the next questionnaire if one is due, and help at once after a risk answer."""
    appointment = _own_appointment(actor, public_id)
    latest = (
        QuestionnaireResponse.objects.filter(appointment=appointment)
        .order_by("-answered_at", "-id")
        .first()
    )
    still_due = [
        d
        for d in monitoring.questionnaires_due(actor.patient)
        if d.appointment.pk == appointment.pk
    ]
    next_code = still_due[0].instrument_codes[0] if still_due else None
    context = {
        "appointment": appointment,
        # Help follows the answers just sent: a risk answer to the PHQ-9 is not
        # repeated after the GAD-7 that came next (it stays with the therapist's alert).
        "risk": bool(latest and latest.risk_flagged),
        "next_code": next_code,
        "next_name": getattr(monitoring.current_instrument(next_code or ""), "name", ""),
    }
    return render(request, "portal/answered.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    patient = session.signed_in(request) or session.waiting_patient(request)
    if patient is not None:
        audit(actor=PatientActor(patient), action="portal.signed_out", obj=patient)
    session.end(request)
    messages.info(request, "You have signed out.")
    return redirect("portal:home")

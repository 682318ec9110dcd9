"""Synthetic data for the benchmark database: a triage user, referrals, baseline rows.

Referrals are written with bulk_create, not through the referral service: a few
thousand go in within seconds. The values come from the demo's synthetic_referral.
"""

import datetime as dt
import random
import uuid
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from bench.models import BareRow
from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.accounts.services import grant_role
from interplay.clinic.models import ServiceSettings
from interplay.demo.data import synthetic_referral
from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.models import QuestionnaireResponse, ResponseSource
from interplay.measures.scoring import score
from interplay.measures.services import scored_response
from interplay.referrals.models import Referral, ReferralStatus, RiskReason

TRIAGE_USERNAME = "bench-triage"
BATCH = 500
# Most referrals are still waiting; some have been triaged and left the queue.
STATUS_WEIGHTS = {
    ReferralStatus.RECEIVED: 70,
    ReferralStatus.IN_TRIAGE: 10,
    ReferralStatus.WAITING: 10,
    ReferralStatus.SIGNPOSTED: 5,
    ReferralStatus.ALLOCATED: 5,
}


def triage_user(password: str) -> User:
    """A triage clinician who can see the queue, signed in with ``password``."""
    ServiceSettings.load()
    user, _ = User.objects.get_or_create(
        username=TRIAGE_USERNAME, defaults={"first_name": "Bench", "last_name": "Triage"}
    )
    user.set_password(password)
    user.save()
    grant_role(actor=None, user=user, role=Role.TRIAGE)
    return user


def authenticator(user: User) -> Any | None:
    """A confirmed authenticator-app device, where staff sign-in asks for a second factor."""
    if not apps.is_installed("django_otp"):
        return None
    from interplay.accounts.models import AuthenticatorApp

    return AuthenticatorApp.objects.create(user=user, name="Bench authenticator", confirmed=True)


def current_code(device: Any) -> str:
    """The code the device's app would show now."""
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def verified_session_key() -> str:
    from django_otp import DEVICE_ID_SESSION_KEY

    return str(DEVICE_ID_SESSION_KEY)


def bare_rows(count: int) -> None:
    rng = random.Random(7)
    words = ["alder", "birch", "cedar", "damson", "elm", "fir", "gorse", "hazel", "ivy"]
    BareRow.objects.bulk_create(
        BareRow(**{f"field_{n}": f"{rng.choice(words)} {i}-{n}" for n in range(1, 11)})
        for i in range(count)
    )


def referrals(count: int, *, start: int = 0, seed: int = 2026) -> None:
    """Add ``count`` synthetic referrals (numbered from ``start``) with both questionnaires."""
    rng = random.Random(seed + start)
    now = timezone.now()
    today = timezone.localdate()
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    with transaction.atomic():
        for first in range(start, start + count, BATCH):
            specs = [
                synthetic_referral(rng, i, today)
                for i in range(first, min(first + BATCH, start + count))
            ]
            rows = []
            for index, spec in enumerate(specs, start=first):
                risk = score(PHQ9, spec["phq9"]).risk
                received = now - dt.timedelta(days=spec["days_ago"], minutes=index % 997)
                rows.append(
                    Referral(
                        reference=f"BN-{index:08d}",
                        submission_token=uuid.UUID(int=rng.getrandbits(128), version=4),
                        status=rng.choices(statuses, weights)[0],
                        received_at=received,
                        urgent=risk,
                        risk_reasons=[RiskReason.PHQ9_ITEM9.value] if risk else [],
                        acknowledgement_sent_at=received,
                        **spec["details"],
                    )
                )
            created = Referral.objects.bulk_create(rows)
            responses = []
            for referral, spec in zip(created, specs, strict=True):
                for instrument, answers in ((PHQ9, spec["phq9"]), (GAD7, spec["gad7"])):
                    responses.append(
                        scored_response(
                            instrument_code=instrument.code,
                            answers=answers,
                            source=ResponseSource.SELF_REFERRAL,
                            answered_at=referral.received_at,
                            referral=referral,
                        )
                    )
            QuestionnaireResponse.objects.bulk_create(responses)


def queue_size() -> int:
    return Referral.objects.awaiting_triage().count()


# --- the therapist's caseload and the IPT waiting list, written through the services ---

THERAPIST_USERNAME = "bench-therapist"
FIRST_MONDAY = dt.date(2026, 9, 7)


def therapist(password: str) -> User:
    """A therapist qualified in IPT, with room for a large caseload and hours every day."""
    from interplay.test import give_hours, make_clinician, qualify

    user = make_clinician(THERAPIST_USERNAME, Role.THERAPIST, caseload_capacity=100)
    user.set_password(password)
    user.save()
    qualify(user, "ipt")
    give_hours(user, *((weekday, "08:00", "18:00") for weekday in range(5)))
    return user


def waiting(count: int) -> None:
    """``count`` more people assessed and offered IPT: on the IPT waiting list."""
    from interplay.test import make_referral
    from interplay.triage import services as triage

    lead = User.objects.get(username=TRIAGE_USERNAME)
    for _ in range(count):
        referral = make_referral(email="")
        triage.save_assessment(
            actor=lead,
            referral=referral,
            urgency="routine",
            suitable_for=["ipt"],
            relational_focus=False,
        )
        triage.decide(actor=lead, referral=referral, outcome="offer_ipt")


def courses(user: User, count: int) -> None:
    """``count`` more IPT courses part-way with ``user``, each in its own weekly slot."""
    from interplay.courses import services as course_services
    from interplay.test import allocated_to

    start = course_count()
    # The first courses meet on today's weekday and the next, so the therapist's day shows
    # sessions at every caseload size and the sizes' query counts compare like with like.
    today = timezone.localdate().weekday()
    first = today if today < 5 else 0
    for n in range(start, start + count):
        weekday, hour = (first + n) % 5, 8 + n // 5
        course_services.start_course(
            actor=user,
            referral=allocated_to(user, "ipt"),
            protocol_code="ipt16",
            weekday=weekday,
            at=dt.time(hour),
            first_date=FIRST_MONDAY + dt.timedelta(days=weekday),
            history=True,
        )


def scores(course: Any) -> None:
    """PHQ-9 and GAD-7 answered before each of ``course``'s sessions so far (in the
    portal, before the session), easing as a course does, with its figures row: the
    course page shows them and their chart, as a course part-way does."""
    from interplay.reports import rows

    past = course.appointments.filter(starts_at__lt=timezone.now()).order_by("number")
    made = []
    for step, appointment in enumerate(past):
        for instrument in (PHQ9, GAD7):
            answers = {n: max(0, 2 - step // 3) for n in range(1, len(instrument.items) + 1)}
            if instrument is PHQ9:
                answers[9] = 0
            made.append(
                scored_response(
                    instrument_code=instrument.code,
                    answers=answers,
                    source=ResponseSource.PORTAL,
                    answered_at=appointment.starts_at - dt.timedelta(hours=3),
                    course_id=course.pk,
                    appointment=appointment,
                )
            )
    QuestionnaireResponse.objects.bulk_create(made)
    rows.build([course.pk])


def course_count() -> int:
    """The bench therapist's courses (a seeded service has its own therapists' too)."""
    from interplay.courses.models import Course

    return Course.objects.filter(therapist__username=THERAPIST_USERNAME).count()


def referral_count() -> int:
    return Referral.objects.count()


def a_course(user: User) -> Any:
    from interplay.courses.models import Course

    return Course.objects.of_therapist(user).order_by("id").first()


def waiting_size() -> int:
    return Referral.objects.filter(status=ReferralStatus.WAITING, offered_modality="ipt").count()


# --- patients answering their questionnaires in the portal ----------------------------

PORTAL_THERAPIST_USERNAME = "bench-portal-therapist"
PORTAL_DUE_SESSION = 4  # sessions 1-3 attended and answered; session 4 is tomorrow
PORTAL_BATCH = 250


def portal_patients(count: int) -> list[tuple[str, str]]:
    """``count`` patients part-way through an IPT course, each signed in to the portal with
    session 4 tomorrow and its PHQ-9 and GAD-7 open; (session key, session public id) each.

    One course is started through the services; the others copy it in bulk (a patient,
    a referral, a course and its 16 sessions each, the first three attended with both
    questionnaires answered, and the course's figures row), so thousands take seconds.
    They are on a therapist of their own, so no staff page the benchmark times grows.
    Each session is one second after the last copy's: a therapist holds one place at a
    time.
    """
    from interplay.courses import services as course_services
    from interplay.courses.models import Appointment, AppointmentStatus, Course
    from interplay.patients.models import Patient
    from interplay.reports import rows
    from interplay.test import allocated_to, give_hours, make_clinician, qualify

    therapist = make_clinician(
        PORTAL_THERAPIST_USERNAME, Role.THERAPIST, caseload_capacity=count + 1
    )
    qualify(therapist, "ipt")
    give_hours(therapist, *((weekday, "08:00", "18:00") for weekday in range(5)))
    template = course_services.start_course(
        actor=therapist,
        referral=allocated_to(therapist, "ipt"),
        protocol_code="ipt16",
        weekday=0,
        at=dt.time(9),
        first_date=FIRST_MONDAY,
        history=True,
    )
    sessions = list(template.appointments.order_by("number"))
    referral = template.referral
    patient = template.patient
    now = timezone.now()
    shift = now + dt.timedelta(hours=24) - sessions[PORTAL_DUE_SESSION - 1].starts_at
    answers = {
        PHQ9: {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 1, 7: 1, 8: 0, 9: 0},
        GAD7: {1: 2, 2: 1, 3: 2, 4: 1, 5: 1, 6: 1, 7: 1},
    }
    scored = {i: score(i, a) for i, a in answers.items()}
    made: list[tuple[str, str]] = []
    for first in range(0, count, PORTAL_BATCH):
        size = min(PORTAL_BATCH, count - first)
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                _copy(patient, public_id=uuid.uuid4()) for _ in range(size)
            )
            referrals = Referral.objects.bulk_create(
                _copy(
                    referral,
                    public_id=uuid.uuid4(),
                    reference=f"BP-{first + n:08d}",
                    submission_token=uuid.uuid4(),
                    patient=p,
                )
                for n, p in enumerate(patients)
            )
            courses = Course.objects.bulk_create(
                _copy(template, public_id=uuid.uuid4(), referral=r, patient=p)
                for r, p in zip(referrals, patients, strict=True)
            )
            appointments = Appointment.objects.bulk_create(
                _copy(
                    s,
                    public_id=uuid.uuid4(),
                    course=c,
                    starts_at=s.starts_at + shift + dt.timedelta(seconds=first + n),
                    ends_at=s.ends_at + shift + dt.timedelta(seconds=first + n),
                    status=AppointmentStatus.ATTENDED
                    if s.number < PORTAL_DUE_SESSION
                    else AppointmentStatus.BOOKED,
                )
                for n, c in enumerate(courses)
                for s in sessions
            )
            QuestionnaireResponse.objects.bulk_create(
                QuestionnaireResponse(
                    instrument_code=instrument.code,
                    instrument_version=instrument.version,
                    answers={str(k): v for k, v in answers[instrument].items()},
                    total=scored[instrument].total,
                    band=scored[instrument].band,
                    complete=True,
                    at_caseness=scored[instrument].at_caseness,
                    risk_flagged=False,
                    source=ResponseSource.PORTAL,
                    answered_at=a.starts_at - dt.timedelta(hours=3),
                    course_id=a.course_id,
                    appointment=a,
                )
                for a in appointments
                if a.number < PORTAL_DUE_SESSION
                for instrument in (PHQ9, GAD7)
            )
            rows.build([c.pk for c in courses])
            due = {a.course_id: a for a in appointments if a.number == PORTAL_DUE_SESSION}
            pairs = [(p, due[c.pk]) for p, c in zip(patients, courses, strict=True)]
            made += signed_in_patients(pairs)
    return made


def signed_in_patients(pairs: list[tuple[Any, Any]]) -> list[tuple[str, str]]:
    """A portal session signed in (both checks done) for each (patient, session) pair:
    (session key, session public id) each, written in one statement."""
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    from interplay.portal import session as portal_session

    store = SessionStore()
    expires = timezone.now() + dt.timedelta(days=1)
    rows, made = [], []
    for patient, appointment in pairs:
        key = get_random_string(32, VALID_KEY_CHARS)
        data = {
            portal_session.PATIENT: str(patient.public_id),
            portal_session.STAGE: portal_session.VERIFIED,
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        made.append((key, str(appointment.public_id)))
    Session.objects.bulk_create(rows)
    return made


def due_portal_patients(limit: int) -> list[tuple[str, str]]:
    """Up to ``limit`` of the portal patients whose PHQ-9 is still open, newly signed in."""
    from django.db.models import Exists, OuterRef

    from interplay.courses.models import Appointment, AppointmentStatus

    answered = QuestionnaireResponse.objects.filter(
        appointment=OuterRef("pk"), instrument_code=PHQ9.code
    )
    due = (
        Appointment.objects.filter(
            therapist__username=PORTAL_THERAPIST_USERNAME,
            number=PORTAL_DUE_SESSION,
            status=AppointmentStatus.BOOKED,
            starts_at__gt=timezone.now(),
        )
        .filter(~Exists(answered))
        .select_related("course__patient")
        .order_by("pk")[:limit]
    )
    return signed_in_patients([(a.course.patient, a) for a in due])


def _copy(obj: Any, **changes: Any) -> Any:
    """A new, unsaved row with ``obj``'s field values and ``changes``."""
    fields = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key
    }
    for name, value in changes.items():
        field = obj._meta.get_field(name)
        fields.pop(field.attname, None)
        fields[name] = value
    return type(obj)(**fields)

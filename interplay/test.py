"""Shared test helpers: named personas, readable factories and email helpers.

Tests read as stories about these people. Factories have fixed defaults that a test
overrides only where the story needs it; nothing random reaches an assertion.
"""

import datetime as dt
import statistics
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from interplay.accounts import services as accounts
from interplay.accounts.models import AuthenticatorApp, ClinicianProfile, User
from interplay.accounts.roles import Role
from interplay.letters.models import Letter
from interplay.letters.services import produce_letter
from interplay.referrals.models import Referral
from interplay.referrals.services import submit_self_referral

PASSWORD = "correct-horse-battery-staple"
CALM_PHQ9 = {n: 0 for n in range(1, 10)}
CALM_GAD7 = {n: 0 for n in range(1, 8)}
# The statements one audit event costs (``interplay.audit.services.record``): lock the
# chain head, add the event, move the head; on PostgreSQL all three are one statement.
# A pinned query count with an audited request in it adds this.
AUDIT_WRITE = 1 if connection.vendor == "postgresql" else 3


def make_user(username: str, *roles: Role, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=fields.pop("email", f"{username}@example.org"),
        first_name=fields.pop("first_name", username.capitalize()),
        **fields,
    )
    for role in roles:
        accounts.grant_role(actor=None, user=user, role=role)
    return user


def make_clinician(username: str, *roles: Role, hours: int = 0, **profile: Any) -> User:
    user = make_user(username, *roles)
    ClinicianProfile.objects.create(
        user=user,
        registration_body=profile.pop("registration_body", "bacp"),
        registration_number=profile.pop("registration_number", f"REG-{username}"),
        psychodynamic_supervised_hours=hours,
        caseload_capacity=profile.pop("caseload_capacity", 10),
        **profile,
    )
    return user


def referral_details(**overrides: Any) -> dict[str, Any]:
    """A complete, valid set of self-referral details for an invented person."""
    details: dict[str, Any] = {
        "first_name": "Robin",
        "last_name": "Testwell",
        "date_of_birth": dt.date(1990, 5, 17),
        "nhs_number": "",
        "address_line_1": "1 Example Street",
        "address_line_2": "",
        "town": "Leeds",
        "postcode": "LS6 2AB",
        "phone": "+447700900123",
        "email": "robin@example.org",
        "preferred_contact": "phone",
        "may_leave_message": True,
        "available_times": ["weekday_morning"],
        "interpreter_needed": False,
        "interpreter_language": "",
        "gp_practice": "Park Lane Surgery",
        "gp_address": "",
        "main_difficulties": "I have felt low since my father died.",
        "duration": "3m_1y",
        "problem_areas": ["low_mood", "grief"],
        "relationships_affected": "",
        "hoped_change": "",
        "substance_use": "none",
        "substance_detail": "",
        "other_services": "",
        "consent_to_referral": True,
        "consent_to_gp_contact": True,
    }
    details.update(overrides)
    return details


def make_referral(
    *,
    phq9: Mapping[int, int | None] | None = None,
    gad7: Mapping[int, int | None] | None = None,
    received_at: Any = None,
    **overrides: Any,
) -> Referral:
    referral, _ = submit_self_referral(
        submission_token=uuid.uuid4(),
        details=referral_details(**overrides),
        phq9=phq9 if phq9 is not None else CALM_PHQ9,
        gad7=gad7 if gad7 is not None else CALM_GAD7,
    )
    if received_at is not None:
        Referral.objects.filter(pk=referral.pk).update(received_at=received_at)
        referral.refresh_from_db()
    return referral


def make_letter(
    *, referral: Referral | None = None, actor: User | None = None, **overrides: Any
) -> Letter:
    """A triage offer letter to the referral's patient, not emailed unless told otherwise."""
    referral = referral or make_referral(email="")
    details: dict[str, Any] = {
        "kind": "triage_offer",
        "recipient_role": "patient",
        "recipient_name": referral.full_name,
        "recipient_address": "1 Example Street\nLeeds\nLS6 2AB",
        "recipient_email": "",
        "subject": "Your referral: our offer of therapy",
        "body": "We talked on the phone on Monday about how you have been since your loss.",
        "context": {"offer": "Interpersonal Psychotherapy (IPT), up to 16 weekly sessions"},
    }
    details.update(overrides)
    return produce_letter(actor=actor, referral=referral, **details)


def answers(values: Iterable[int]) -> dict[int, int | None]:
    return {n: v for n, v in enumerate(values, start=1)}


def authenticator(user: User) -> AuthenticatorApp:
    """The person's confirmed authenticator-app device, made on first use."""
    device = AuthenticatorApp.objects.filter(user=user, confirmed=True).first()
    return device or AuthenticatorApp.objects.create(user=user, name="Authenticator app")


def current_code(user: User) -> str:
    """What the person's authenticator app shows right now."""
    device = authenticator(user)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def sign_in(client: Client, user: User, *, second_factor: bool = True) -> None:
    client.force_login(user)
    if second_factor:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session.save()


# Tasks are queued and not run, so a timing compares what the request itself does.
QUEUE_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], rounds: int = 25
) -> tuple[float, float]:
    """Median seconds of ``first`` and of ``second``, run alternately (a slow spell of a
    shared machine falls on both alike) after one warm-up each. A benchmark-style check
    for equal work: compare the medians with a generous margin, never a fixed time."""
    first(), second()
    times: tuple[list[float], list[float]] = ([], [])
    for round_ in range(rounds):
        order = (0, 1) if round_ % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            (first, second)[which]()
            times[which].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


class BaseTestCase(TestCase):
    """Every persona of the service, made once per test class."""

    therapist: ClassVar[User]
    outsider: ClassVar[User]
    supervisor: ClassVar[User]
    triage: ClassVar[User]
    manager: ClassVar[User]
    admin: ClassVar[User]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.supervisor = make_clinician("supervisor", Role.SUPERVISOR, Role.THERAPIST, hours=400)
        cls.therapist = make_clinician("therapist", Role.THERAPIST, supervisor=cls.supervisor)
        cls.outsider = make_clinician("outsider", Role.THERAPIST)
        cls.triage = make_user("triage", Role.TRIAGE)
        cls.manager = make_user("manager", Role.SERVICE_MANAGER)
        cls.admin = make_user("admin", Role.ADMINISTRATOR)
        mail.outbox = []

    def sign_in(self, user: User, *, second_factor: bool = True) -> None:
        """Sign in as ``user``, past the second factor unless told otherwise."""
        sign_in(self.client, user, second_factor=second_factor)

    def assert_same_time(self, medians: tuple[float, float]) -> None:
        """Within half again of each other (plus a millisecond of noise): a lookup, a
        write and an email for one address and not the other differ by several times."""
        faster, slower = sorted(medians)
        self.assertLess(slower, faster * 1.5 + 0.001, f"medians {medians}")

    def only_email(self) -> mail.EmailMessage:
        self.assertEqual(len(mail.outbox), 1, [m.subject for m in mail.outbox])
        return mail.outbox[0]

    @staticmethod
    def html_of(message: mail.EmailMessage) -> str:
        alternatives = getattr(message, "alternatives", [])
        return next(str(content) for content, kind in alternatives if kind == "text/html")


def referral_form_data(**overrides: Any) -> dict[str, Any]:
    """What a person's browser sends from the referral page, all answered."""
    from django.core import signing

    from interplay.referrals.views import GATE_SALT

    data: dict[str, Any] = {
        "gate": signing.dumps({"postcode": ""}, salt=GATE_SALT),
        "submission_token": str(uuid.uuid4()),
        "first_name": "Robin",
        "last_name": "Testwell",
        "date_of_birth_0": "17",
        "date_of_birth_1": "5",
        "date_of_birth_2": "1990",
        "nhs_number": "943 476 5919",
        "address_line_1": "1 Example Street",
        "town": "Leeds",
        "postcode": "ls6 2ab",
        "phone": "07700 900123",
        "email": "robin@example.org",
        "preferred_contact": "phone",
        "may_leave_message": "yes",
        "available_times": ["weekday_morning", "weekday_evening"],
        "interpreter_needed": "no",
        "gp_practice": "Park Lane Surgery",
        "main_difficulties": "I have felt low since my father died.",
        "duration": "3m_1y",
        "problem_areas": ["grief"],
        "substance_use": "none",
        "consent_to_referral": "on",
        **{f"phq9_{n}": "1" for n in range(1, 9)},
        "phq9_9": "0",
        **{f"gad7_{n}": "1" for n in range(1, 8)},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def give_hours(user: User, *spans: tuple[int, str, str]) -> None:
    """Working hours for a clinician: (weekday, "09:00", "17:00") tuples."""
    from interplay.accounts.models import WorkingHours

    for weekday, start, end in spans:
        WorkingHours.objects.create(profile=user.clinician, weekday=weekday, start=start, end=end)


def qualify(user: User, *modalities: str) -> None:
    for modality in modalities:
        accounts.grant_qualification(actor=None, profile=user.clinician, modality=modality)


def allocated_to(therapist: User, modality: str = "dit", **details: Any) -> Referral:
    """A referral taken through triage and allocated to ``therapist``."""
    from interplay.triage import services as triage

    lead = User.objects.filter(role_assignments__role=Role.TRIAGE).first() or make_user(
        "triage-lead", Role.TRIAGE
    )
    details.setdefault("email", "")
    referral = make_referral(**details)
    triage.save_assessment(
        actor=lead,
        referral=referral,
        urgency="routine",
        suitable_for=[modality],
        relational_focus=modality == "dit",
    )
    triage.decide(actor=lead, referral=referral, outcome=f"offer_{modality}")
    triage.allocate(actor=lead, referral=referral, therapist=therapist)
    referral.refresh_from_db()
    return referral


def course_for(
    therapist: User,
    modality: str = "ipt",
    protocol_code: str = "ipt16",
    first_date: dt.date = dt.date(2026, 9, 7),
    **details: Any,
) -> Any:
    """A course started with ``therapist`` on Mondays at 10:00 from ``first_date``, past
    or future (booked as history: the referral and back-dating rules do not apply).

    The therapist is qualified and given Monday hours if they have none yet.
    """
    from interplay.accounts.models import WorkingHours
    from interplay.courses import services as courses

    qualify(therapist, modality)
    if not WorkingHours.objects.filter(profile=therapist.clinician, weekday=0).exists():
        give_hours(therapist, (0, "09:00", "17:00"))
    referral = allocated_to(therapist, modality, **details)
    return courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code=protocol_code,
        weekday=0,
        at=dt.time(10),
        first_date=first_date,
        history=True,  # a course already part-way, as the stories need it
    )

"""Prepare the demo: staff accounts with known passwords, and a queue of synthetic referrals.

Safe to run at every start: accounts are updated in place (their password always taken
from INTERPLAY_DEMO_PASSWORD, so the printed sign-ins work), referrals are added once.
"""

import datetime as dt
import os
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from interplay.accounts import services as accounts
from interplay.accounts.models import AuthenticatorApp, ClinicianProfile, User
from interplay.accounts.roles import Modality, Role
from interplay.clinic.models import ServiceSettings
from interplay.courses import attendance, figures, protocols
from interplay.courses import services as courses
from interplay.courses.models import Course
from interplay.demo import admin_day as demo_admin_day
from interplay.demo import group as demo_group
from interplay.demo import progress as demo_progress
from interplay.demo import seeding
from interplay.demo import supervision as demo_supervision
from interplay.demo import today as demo_today
from interplay.demo.answers import answer
from interplay.demo.data import (
    DETERIORATING_SCORES,
    ENDED_IPAF,
    ENDED_SCORES,
    FORMULATION_EVENTS,
    FORMULATION_IPAF,
    FORMULATION_PEOPLE,
    IMPROVING_SCORES,
    IPT_FOCUS,
    answers_for,
    synthetic_referral,
)
from interplay.demo.totp import current_demo_code, demo_key_hex, demo_secret
from interplay.encounters import services as encounters
from interplay.formulation import services as formulation
from interplay.groups.models import Group
from interplay.monitoring import services as monitoring
from interplay.patients import access
from interplay.progress.stage import latest_started
from interplay.referrals.models import Referral, ReferralSource, ReferralStatus
from interplay.referrals.services import submit_self_referral
from interplay.triage import services as triage

DEFAULT_PASSWORD = "interplay-demo"
REFERRAL_COUNT = 36
# One routine referral a few days short of the 6-week standard (and younger than the ten
# the demo triages), so the triage day shows someone whose standard falls due this week.
NEAR_STANDARD, NEAR_STANDARD_DAYS = REFERRAL_COUNT - 1, 38
HISTORY = 150  # closed referrals over the past year, for the service figures
HOUR = dt.timedelta(hours=1)

THERAPISTS = ("therapist", "supervisor")
SEED = 2026
# 0113 496 0000: Leeds, in Ofcom's range kept for drama, so it rings no one. Stored E.164.
DEMO_PHONE = "+441134960000"

# username: (first, last, roles, clinician profile or None)
STAFF: dict[str, tuple[str, str, list[Role], dict[str, Any] | None]] = {
    "admin": ("Alex", "Admin", [Role.ADMINISTRATOR], None),
    "manager": ("Morgan", "Manager", [Role.SERVICE_MANAGER], None),
    "supervisor": (
        "Sam",
        "Supervisor",
        [Role.SUPERVISOR, Role.THERAPIST],
        {
            "hours": 900,
            "capacity": 8,
            # The IPT group, co-facilitated with the therapist, is given its own span if
            # these hours do not hold it (interplay/demo/group.py).
            "working_hours": [(1, "13:00", "17:00"), (2, "09:00", "13:00"), (3, "16:00", "20:00")],
            "modalities": [Modality.IPT, Modality.DIT, Modality.GROUP_IPT],
        },
    ),
    "therapist": (
        "Taylor",
        "Therapist",
        [Role.THERAPIST],
        {
            "hours": 40,
            "capacity": 16,
            "modalities": [Modality.IPT, Modality.GROUP_IPT],
            "working_hours": [
                (0, "09:00", "17:00"),
                (1, "09:00", "17:00"),
                (3, "09:00", "17:00"),
                (4, "09:00", "13:00"),
            ],
        },
    ),
    "triage": ("Jordan", "Triage", [Role.TRIAGE], None),
}


class Command(BaseCommand):
    help = "Create or refresh the synthetic demo accounts and referrals."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--history", type=int, default=HISTORY, help="Past referrals.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError("demo_setup runs only with DEBUG=1 or INTERPLAY_DEMO=1.")
        password = os.environ.get("INTERPLAY_DEMO_PASSWORD", DEFAULT_PASSWORD)
        with transaction.atomic():
            self._service()
            users = {name: self._staff(name, password, spec) for name, spec in STAFF.items()}
            self._profiles(users)
            added = self._referrals()
            if added:
                triaged = self._triage(users["triage"], users)
                seeding.history(
                    options["history"],
                    [users[n] for n in THERAPISTS],
                    users["triage"],
                )
                demo_supervision.build(users)
                demo_today.fill(users)
                demo_group.build(users)
                demo_today.write_up_past_sessions([users["therapist"], users["supervisor"]])
                demo_today.give_rooms([users["therapist"], users["supervisor"]])
            demo_admin_day.populate()
        self.stdout.write(f"Triage: {triaged if added else 'already done'}.")
        self.stdout.write(
            f"Demo ready: {added} referrals added, {Referral.objects.count()} in all."
        )
        self._print_courses()
        self._print_group()
        self._print_portal_link()
        self._print_subject_access()
        self._print_fhir()
        self._print_api()
        self.stdout.write("Sign in at /accounts/login/ as any of:")
        for name, (_, _, roles, _) in STAFF.items():
            labels = ", ".join(r.label for r in roles)
            self.stdout.write(f"  {name:<11} password {password:<16} ({labels})")
        self.stdout.write(
            "Second factor for every demo account: add this key to an authenticator app\n"
            f"  {demo_secret()}\n"
            "  or type the current code, which this prints at any time:\n"
            "  DEBUG=1 .venv/bin/python manage.py demo_code"
            f"  (now {current_demo_code()})"
        )

    @staticmethod
    def _service() -> None:
        """The demo service's phone number, unless an administrator has set one."""
        service = ServiceSettings.load()
        if not service.phone:
            service.phone = DEMO_PHONE
            service.save(update_fields=["phone"])

    def _staff(self, username: str, password: str, spec: tuple[Any, ...]) -> User:
        first, last, roles, _ = spec
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.set_password(password)
        user.is_active = True
        user.save()
        for role in roles:
            accounts.grant_role(actor=None, user=user, role=role)
        AuthenticatorApp.objects.filter(user=user).delete()
        AuthenticatorApp.objects.create(
            user=user, name="Demo authenticator", key=demo_key_hex(), confirmed=True
        )
        return user

    def _profiles(self, users: dict[str, User]) -> None:
        for username, (_, _, _, clinician) in STAFF.items():
            if clinician is None:
                continue
            profile, _ = ClinicianProfile.objects.get_or_create(
                user=users[username],
                defaults={"registration_body": "bacp", "registration_number": f"DEMO-{username}"},
            )
            profile.working_hours.all().delete()
            for weekday, start, end in clinician["working_hours"]:
                profile.working_hours.create(weekday=weekday, start=start, end=end)
            profile.psychodynamic_supervised_hours = clinician["hours"]
            profile.caseload_capacity = clinician["capacity"]
            profile.supervisor = users["supervisor"] if username != "supervisor" else None
            accounts.save_clinician_profile(actor=None, profile=profile)
            for modality in clinician["modalities"]:
                accounts.grant_qualification(actor=None, profile=profile, modality=modality)

    def _referrals(self) -> int:
        """The demo's open referrals; every third sent by the demo GP practice's feed, which
        reads them back through the API (``_print_api``)."""
        rng = random.Random(SEED)
        today = timezone.localdate()
        feed = _demo_feed()
        added = 0
        for index in range(REFERRAL_COUNT):
            spec = synthetic_referral(rng, index, today)
            from_gp = index % 3 == 1
            referral, created = submit_self_referral(
                actor=feed if from_gp else None,
                submission_token=spec["token"],
                details={**spec["details"], "source": ReferralSource.GP}
                if from_gp
                else spec["details"],
                phq9=spec["phq9"],
                gad7=spec["gad7"],
            )
            if created:
                added += 1
                days_ago = NEAR_STANDARD_DAYS if index == NEAR_STANDARD else spec["days_ago"]
                received = timezone.now() - dt.timedelta(days=days_ago, hours=index % 9)
                Referral.objects.filter(pk=referral.pk).update(
                    received_at=received, acknowledgement_sent_at=received
                )
        return added

    def _triage(self, actor: User, users: dict[str, User]) -> str:
        """Take the longest-waiting referrals through triage, so every page has people on it:
        offers on each waiting list, six allocations (five of them now courses: one in its
        initial phase, two in the middle, one in its ending phase and one ended), a
        signpost and a decline."""
        plan = [
            ("offer_dit", "dit", "supervisor"),
            ("offer_dit", "dit", "supervisor"),
            ("offer_dit", "dit", None),
            ("offer_ipt", "ipt", "therapist"),
            ("offer_ipt", "ipt", "therapist"),
            ("offer_ipt", "ipt", "therapist"),
            ("offer_ipt", "ipt", "therapist"),
            ("offer_group_ipt", "group_ipt", None),
            ("signpost", "", None),
            ("decline", "", None),
        ]
        oldest = Referral.objects.filter(urgent=False).order_by("received_at")[: len(plan)]
        for referral, (outcome, modality, therapist) in zip(oldest, plan, strict=False):
            triage.save_assessment(
                actor=actor,
                referral=referral,
                urgency="routine",
                suitable_for=[modality] if modality else [],
                relational_focus=modality == "dit",
                presenting_problem=referral.main_difficulties,
                risk_to_self="No thoughts of harming themselves reported at screening.",
                protective_factors="Close friend; working part time.",
            )
            triage.log_contact_attempt(
                actor=actor, referral=referral, method="phone", outcome="reached"
            )
            triage.decide(
                actor=actor,
                referral=referral,
                outcome=outcome,
                signposted_to="Citizens Advice (debt advice)" if outcome == "signpost" else "",
                reason="Your main difficulty is alcohol use: as we agreed, we have referred "
                "you to the local alcohol service."
                if outcome == "decline"
                else "",
            )
            if therapist:
                triage.allocate(actor=actor, referral=referral, therapist=users[therapist])
        self._start_course(users["supervisor"], weeks_ago=6)
        self._ended_course(users["supervisor"], weeks_ago=18)
        self._start_ipt_course(users["therapist"], weeks_ago=5)
        self._start_measured_course(users["therapist"])
        self._ending_course(users["therapist"], weeks_ago=15)
        return (
            f"{len(plan)} referrals taken through triage, 6 allocated, 3 courses part-way, "
            "1 in its ending phase, 1 ended"
        )

    def _start_course(self, therapist: User, weeks_ago: int) -> None:
        """The supervisor's DIT patient started some weeks ago: the caseload shows where
        they are ("Session 7 of 16, middle phase")."""
        referral = self._waiting_for(therapist)
        if referral is None:
            return
        started = timezone.localdate() - dt.timedelta(weeks=weeks_ago)
        self._received_before(referral, started)
        course = courses.start_course(
            actor=therapist,
            referral=referral,
            protocol_code="dit16",
            weekday=2,
            at=dt.time(10),
            first_date=started,
            history=True,
            video_link="https://video.example.org/demo-room",
        )
        # Sessions so far: all attended but the third, which was missed (a risk check is
        # then waiting on the course page).
        for appointment in course.appointments.filter(starts_at__lt=timezone.now()):
            status = "dna" if appointment.number == 3 else "attended"
            attendance.record_attendance(actor=therapist, appointment=appointment, status=status)
            if appointment.number in (1, 2):
                encounters.save_record(
                    actor=therapist,
                    appointment=appointment,
                    tasks_done=["assess"] if appointment.number == 1 else ["assess", "ipaf"],
                    notes="Synthetic demo note: talked about the move and missing old friends.",
                    between_session_task="Notice one moment each day you felt cut off.",
                    risk_checked=True,
                )
                encounters.sign_record(actor=therapist, appointment=appointment)
        # Answered in the portal before each session: improving to recovery.
        self._scores(course, IMPROVING_SCORES, source="portal")
        self._formulation(therapist, course)
        demo_progress.problems_and_task(course, therapist)

    @staticmethod
    def _received_before(referral: Referral, started: dt.date) -> None:
        """A course begun weeks ago needs a referral that came before it: the synthetic
        queue spans ten weeks, so move this person's arrival to a month before."""
        start = timezone.make_aware(dt.datetime.combine(started, dt.time(9)))
        if referral.received_at >= start - dt.timedelta(weeks=2):
            received = start - dt.timedelta(weeks=4)
            Referral.objects.filter(pk=referral.pk).update(
                received_at=received, acknowledgement_sent_at=received
            )

    def _ended_course(self, therapist: User, weeks_ago: int) -> None:
        """The supervisor's second DIT patient, who finished: every session attended and
        answered in the portal (recovered), an agreed IPAF, the problems re-rated, the
        ending review, the goodbye letter produced, and the course ended."""
        referral = self._waiting_for(therapist)
        if referral is None:
            return
        started = timezone.localdate() - dt.timedelta(weeks=weeks_ago)
        self._received_before(referral, started)
        course = courses.start_course(
            actor=therapist,
            referral=referral,
            protocol_code="dit16",
            weekday=3,
            at=dt.time(17),
            first_date=started,
            history=True,
        )
        for appointment in course.appointments.filter(starts_at__lt=timezone.now()):
            attendance.record_attendance(
                actor=therapist, appointment=appointment, status="attended"
            )
            # Written up and signed, as a finished course's sessions are.
            encounters.save_record(
                actor=therapist,
                appointment=appointment,
                notes="Synthetic demo note: worked on the focus and how it showed this week.",
                risk_checked=True,
            )
            encounters.sign_record(actor=therapist, appointment=appointment)
        self._scores(course, ENDED_SCORES, source="portal")
        self._agree_focus(therapist, course, ENDED_IPAF)
        demo_progress.ended(course, therapist)

    @staticmethod
    def _agree_focus(therapist: User, course: Course, focus: dict[str, Any]) -> None:
        """Record ``focus`` as agreed with the patient in the initial phase's last week,
        and shared with them (without the defensive function if the service keeps none)."""
        fields = dict(focus)
        if course.modality == "dit" and not ServiceSettings.load().ipaf_defensive_function:
            fields.pop("defensive_function", None)
        formulation.record_focus(
            actor=therapist,
            course=course,
            **fields,
            agreed_on=course.start_date + dt.timedelta(weeks=3),
            shared_with_patient=True,
        )

    @staticmethod
    def _waiting_for(therapist: User) -> Referral | None:
        """The longest-allocated person still waiting to start with ``therapist``."""
        allocation = (
            therapist.allocations.active()
            .filter(referral__status=ReferralStatus.ALLOCATED)
            .select_related("referral")
            .order_by("pk")
            .first()
        )
        return allocation.referral if allocation else None

    def _ending_course(self, therapist: User, weeks_ago: int) -> None:
        """The therapist's IPT patient in the ending phase: every session so far was
        attended, problems were re-rated at session 8 and the ending review is written."""
        course = self._attended_ipt_course(therapist, weekday=0, at=dt.time(10), weeks=weeks_ago)
        if course is not None:
            demo_progress.ending_review(course, therapist)

    def _attended_ipt_course(
        self, therapist: User, *, weekday: int, at: dt.time, weeks: int
    ) -> Course | None:
        """An IPT-16 course begun ``weeks`` ago with the next person waiting for
        ``therapist``, every session so far attended."""
        referral = self._waiting_for(therapist)
        if referral is None:
            return None
        started = timezone.localdate() - dt.timedelta(weeks=weeks)
        self._received_before(referral, started)
        course = courses.start_course(
            actor=therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=weekday,
            at=at,
            first_date=started,
            history=True,
        )
        for appointment in course.appointments.filter(starts_at__lt=timezone.now()):
            attendance.record_attendance(
                actor=therapist, appointment=appointment, status="attended"
            )
        return course

    def _start_ipt_course(self, therapist: User, weeks_ago: int) -> None:
        """The therapist's first IPT patient, in the middle phase with an agreed focus (a
        role dispute), all sessions attended, answers typed in session: reliably worse, so
        the course page shows deterioration and a deterioration alert is open."""
        course = self._attended_ipt_course(therapist, weekday=1, at=dt.time(11), weeks=weeks_ago)
        if course is None:
            return
        self._agree_focus(therapist, course, IPT_FOCUS)
        for appointment in course.appointments.filter(starts_at__lt=timezone.now()):
            if appointment.number in DETERIORATING_SCORES:
                for code, total, items in zip(
                    ("phq9", "gad7"), DETERIORATING_SCORES[appointment.number], (9, 7), strict=True
                ):
                    monitoring.submit_response(
                        actor=therapist,
                        appointment=appointment,
                        instrument_code=code,
                        answers=answers_for(total, items),
                        source="in_session",
                    )

    def _scores(self, course: Course, scores: dict[int, tuple[int, int]], *, source: str) -> None:
        """PHQ-9 and GAD-7 answered in the portal before past sessions, tied to them. The
        portal only takes answers while they are due, so the demo's history is stored
        directly, audited as the service would."""
        for appointment in course.appointments.filter(starts_at__lt=timezone.now()):
            if appointment.number in scores:
                answer(appointment, scores[appointment.number], source, appointment.starts_at)
        figures.changed(course)  # stored directly, so the figures row is told here

    def _start_measured_course(self, therapist: User) -> None:
        """The therapist's second IPT patient: two sessions done, answers typed in at each
        (the second with question 9 at 1, so a risk alert is open), and the next session
        within the portal's window, so their questionnaires are waiting for them (see
        ``third_session_at``)."""
        referral = self._waiting_for(therapist)
        if referral is None:
            return
        window = dt.timedelta(hours=ServiceSettings.load().questionnaire_window_hours)
        third = third_session_at(
            timezone.localtime(),
            {h.weekday: h.start for h in therapist.clinician.working_hours.all()},
            window,
        )
        course = courses.start_course(
            actor=therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=third.weekday(),
            at=third.time(),
            first_date=third.date() - dt.timedelta(weeks=2),
            history=True,
        )
        course.patient.email = course.patient.email or "demo.patient@example.org"
        course.patient.save(update_fields=["email"])
        answers = {
            1: ([2, 2, 2, 1, 2, 2, 1, 1, 0], [2, 2, 1, 2, 1, 1, 1]),
            2: ([2, 2, 2, 2, 2, 2, 1, 1, 1], [2, 2, 2, 2, 1, 1, 1]),
        }
        for appointment in course.appointments.filter(number__in=answers):
            phq9, gad7 = answers[appointment.number]
            for code, values in (("phq9", phq9), ("gad7", gad7)):
                monitoring.submit_response(
                    actor=therapist,
                    appointment=appointment,
                    instrument_code=code,
                    answers=dict(enumerate(values, start=1)),
                    source="in_session",
                )
            attendance.record_attendance(
                actor=therapist, appointment=appointment, status="attended"
            )

    def _print_courses(self) -> None:
        """Every course still running and the ended ones with a review (not the history's),
        each to open as its therapist, or as the supervisor of one with no demo password."""
        for course in (
            Course.objects.filter(Q(ended_at=None) | Q(ending_review__isnull=False))
            .filter(group_place__isnull=True)  # the group's members: see _print_group
            .select_related("patient", "therapist__clinician__supervisor")
            .order_by("-start_date", "-id")
        ):
            url = _base_url() + reverse("courses:detail", args=[course.public_id])
            who = course.therapist
            if not who.has_usable_password() and who.clinician.supervisor is not None:
                who = who.clinician.supervisor
            self.stdout.write(
                f"Course {stage_of(course)} ({course.patient.full_name}; sign in as "
                f"{who.username}): {url}"
            )

    def _print_group(self) -> None:
        """The running group's page, to open as either facilitator or the manager."""
        for group in Group.objects.filter(status="running"):
            url = _base_url() + reverse("groups:detail", args=[group.public_id])
            upcoming = group.sessions.filter(starts_at__gt=timezone.now()).first()
            at = f"session {upcoming.number} next" if upcoming else "every session held"
            self.stdout.write(
                f"Group IPT, '{group.name}' ({group.members.count()} members, {at}; sign in as "
                f"therapist or supervisor): {url}"
            )

    def _print_portal_link(self) -> None:
        """A fresh sign-in link for the demo patient whose questionnaires are due."""
        course = (
            Course.objects.filter(therapist__username="therapist", alerts__kind="risk_answer")
            .select_related("patient")
            .order_by("pk")
            .first()
        )
        if course is None:
            return
        patient = course.patient
        token = access.issue_link(
            patient, expires_at=timezone.now() + dt.timedelta(hours=12), next_path="/portal/"
        )
        path = reverse("portal:link", args=[token])
        self.stdout.write(
            f"Patient portal, as {patient.full_name} (questionnaires due before their next "
            f"session): {_base_url()}{path}\n"
            f"  date of birth {patient.date_of_birth:%d %m %Y}; the link works once, for 12 "
            "hours (ask for another at /portal/: the email lands in demo-mail/)"
        )

    def _print_subject_access(self) -> None:
        """Where the administrator downloads everything held about a person in a course
        with a formulation (their subject access export)."""
        course = (
            Course.objects.filter(inventory__isnull=False)
            .select_related("patient")
            .order_by("started_at", "id")
            .first()
        )
        if course is None:
            return
        patient = course.patient
        paths = [
            reverse(f"patients:{name}", args=[patient.public_id])
            for name in ("detail", "export_pdf", "export_json")
        ]
        self.stdout.write(
            f"Everything held about {patient.full_name}, their course included (as admin): "
            f"{_base_url()}{paths[0]}\n"
            f"  subject access export: {paths[1]} and {paths[2]}"
        )

    def _print_fhir(self) -> None:
        """A fresh read-only API token of the therapist (12 hours), and the FHIR request
        that reads everything of one of their patients with it."""
        from interplay.api.services import create_token

        course = Course.objects.filter(therapist__username="therapist").order_by("id").first()
        if course is None:
            return
        _, key = create_token(
            actor=course.therapist,
            name="Demo FHIR reader",
            expires_at=timezone.now() + dt.timedelta(hours=12),
        )
        path = reverse("fhir:everything", args=[course.patient.public_id])
        self.stdout.write(
            "FHIR R4 (docs/fhir.md), as the therapist, with a read-only token for 12 hours:\n"
            f"  curl -H \"Authorization: Bearer {key}\" '{_base_url()}{path}'\n"
            f"  and {_base_url()}{reverse('fhir:metadata')} for what the server supports"
        )

    def _print_api(self) -> None:
        """A GP system's referral feed with a fresh key (keys are shown once), and how
        to send a referral in with it; staff make their own keys at /account/tokens/."""
        from interplay.api.models import Scope
        from interplay.api.services import create_token

        feed = _demo_feed()
        _, key = create_token(actor=feed, name="Demo key", scope=Scope.READ_WRITE)
        sent = Referral.objects.filter(submitted_by=feed)
        triaged = sent.exclude(status__in=("received", "in_triage")).count()
        self.stdout.write(
            f"JSON API: {_base_url()}/api/v1/docs; staff make keys at /account/tokens/.\n"
            f"  The GP referral feed '{DEMO_FEED}' (a new key each run): {key}\n"
            f"  curl -H 'Authorization: Bearer {key}' {_base_url()}/api/v1/whoami\n"
            f"  It reads back the {sent.count()} referrals it sent ({triaged} decided), and "
            "no one else's:\n"
            f"  curl -H 'Authorization: Bearer {key}' {_base_url()}/api/v1/referrals"
        )

    def _formulation(self, therapist: User, course: Course) -> None:
        """The course's inventory, closeness circle, timeline and agreed, shared IPAF."""
        people = {}
        for name, relationship, ring, unsatisfying, confide in FORMULATION_PEOPLE:
            entry = formulation.add_person(
                actor=therapist,
                course=course,
                name=name,
                relationship=relationship,
                unsatisfying=unsatisfying,
                can_confide=confide,
            )
            formulation.place_person(actor=therapist, entry=entry, ring=ring)
            people[name] = entry
        formulation.edit_person(
            actor=therapist, entry=people["Jo"], feelings="Lonely in the same room."
        )
        this_year = timezone.localdate().year
        for years_ago, month, what, mood, names in FORMULATION_EVENTS:
            formulation.add_life_event(
                actor=therapist,
                course=course,
                year=this_year - years_ago,
                month=month,
                description=what,
                mood_change=mood,
                people=[people[n] for n in names],
            )
        focus = {**FORMULATION_IPAF, "people": [people["Jo"], people["New manager"]]}
        if not ServiceSettings.load().ipaf_defensive_function:
            del focus["defensive_function"]
        formulation.record_focus(actor=therapist, course=course, **focus)
        self._agree_focus(therapist, course, focus)


DEMO_FEED = "gp-feed-demo"


def _demo_feed() -> User:
    """The demo GP practice's referral feed, made on first use."""
    from interplay.api.services import make_service_account

    feed = User.objects.filter(username=DEMO_FEED).first()
    if feed is None:
        feed, _, _ = make_service_account(actor=None, username=DEMO_FEED)
    return feed


def _base_url() -> str:
    """Where the demo is reached: INTERPLAY_BASE_URL, which `make demo` sets from PORT."""
    return str(settings.BASE_URL).rstrip("/")


def stage_of(course: Course) -> str:
    """Where a course is, in words: "ended (completed)", or the phase of its latest
    session ("in the middle phase, session 6 of 16")."""
    if course.ended_at is not None:
        return f"ended ({course.get_status_display().lower()})"
    latest = latest_started(course)
    if latest is None:
        return "not started"
    phase = protocols.phase_for(course.protocol(), latest.number, course.planned_sessions)
    return (
        f"in the {phase.name.lower()} phase, session {latest.number} of {course.planned_sessions}"
    )


def third_session_at(
    now: dt.datetime, starts: dict[int, dt.time], window: dt.timedelta
) -> dt.datetime:
    """When the measured course's third session falls, so that its questionnaires are
    open in the portal (``window`` ahead of a session) when the demo starts: noon on the
    therapist's next working day after today, if that is inside the window; or else noon
    today, if that is at least an hour away; or else the start of the first working day
    that is. So on a Friday morning, when noon on Monday is more than 72 hours off, it is
    noon that Friday. ``starts`` maps each working weekday to the hour its work starts."""
    noon = dt.time(12)
    days = [now.date() + dt.timedelta(days=ahead) for ahead in range(8)]
    working = [d for d in days if d.weekday() in starts]
    later = [dt.datetime.combine(d, noon, tzinfo=now.tzinfo) for d in working if d > now.date()]
    if later and later[0] <= now + window:
        return later[0]
    today = dt.datetime.combine(now.date(), noon, tzinfo=now.tzinfo)
    if now.date() in working and today >= now + HOUR:
        return today
    return min(
        at
        for d in working
        if (at := dt.datetime.combine(d, starts[d.weekday()], tzinfo=now.tzinfo)) >= now + HOUR
    )

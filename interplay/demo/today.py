"""Demo data for each person's first screen: the therapist's and triage clinician's days
have something in every panel, whatever day of the week the demo is set up.

The therapist gets a course with a session today (its problems due for re-rating at last
week's session, whose record is an unsigned draft with a task the patient has noted, and
this week's questionnaires in) and a course whose ending phase starts tomorrow with no
ending review yet. The triage clinician gets two referrals that arrived today and two
people whose last call went unanswered on the previous working day. Synthetic people and
words only.
"""

import datetime as dt

from django.utils import timezone

from interplay.accounts.models import User, WorkingHours
from interplay.audit.actors import PatientActor
from interplay.clinic.models import Room
from interplay.courses import attendance, figures
from interplay.courses import services as courses
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.demo.answers import answer
from interplay.encounters import services as encounters
from interplay.progress import services as progress
from interplay.progress.models import BetweenSessionTask
from interplay.referrals.models import Referral, ReferralStatus
from interplay.today.triage import last_working_day
from interplay.triage import services as triage
from interplay.triage.models import ContactAttempt

NOTE = "Synthetic demo note: talked about the argument at the weekend and what was said."


def fill(users: dict[str, User]) -> None:
    """Give the demo therapist's and triage clinician's days an item in every panel."""
    therapist, lead = users["therapist"], users["triage"]
    today = timezone.localdate()
    _course_with_session_today(therapist, lead, today)
    _course_ending_tomorrow(therapist, lead, today + dt.timedelta(days=1))
    _arrived_today(today)
    _unanswered_calls(lead, today)


def _free_hour(therapist: User, day: dt.date) -> dt.time:
    """An hour on ``day``'s weekday inside the therapist's hours (a span is added if they
    do not work that weekday) that none of their courses uses on any day, still to come
    if ``day`` is today and one is left."""
    profile = therapist.clinician
    spans = list(WorkingHours.objects.filter(profile=profile, weekday=day.weekday()))
    if not spans:
        spans = [
            WorkingHours.objects.create(
                profile=profile, weekday=day.weekday(), start=dt.time(9), end=dt.time(17)
            )
        ]
    # An hour none of their courses uses on any day, so each demo course has its own.
    used = set(Course.objects.filter(therapist=therapist).values_list("time", flat=True))
    free = [
        dt.time(hour)
        for span in spans
        for hour in range(span.start.hour, span.end.hour)
        if dt.time(hour) not in used and dt.time(hour + 1) <= span.end
    ]
    now = timezone.localtime()
    to_come = [t for t in free if day > now.date() or t > now.time()]
    return (to_come or free or [spans[0].start])[0]


def _allocated(therapist: User, lead: User) -> Referral | None:
    """The longest-waiting routine referral, triaged to IPT and allocated to ``therapist``."""
    referral = (
        Referral.objects.filter(status=ReferralStatus.RECEIVED, urgent=False)
        .order_by("received_at")
        .first()
    )
    if referral is None:
        return None
    triage.save_assessment(actor=lead, referral=referral, urgency="routine", suitable_for=["ipt"])
    triage.log_contact_attempt(actor=lead, referral=referral, method="phone", outcome="reached")
    triage.decide(actor=lead, referral=referral, outcome="offer_ipt")
    triage.allocate(actor=lead, referral=referral, therapist=therapist)
    return referral


def _start(therapist: User, lead: User, day: dt.date, weeks_before: int) -> Course | None:
    """An IPT-16 course with ``therapist`` whose session falls on ``day``, begun
    ``weeks_before`` weeks earlier (booked as history, as the demo's other courses)."""
    referral = _allocated(therapist, lead)
    if referral is None:
        return None
    started = day - dt.timedelta(weeks=weeks_before)
    received = timezone.make_aware(dt.datetime.combine(started, dt.time(9))) - dt.timedelta(weeks=4)
    Referral.objects.filter(pk=referral.pk).update(
        received_at=received, acknowledgement_sent_at=received
    )
    return courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code="ipt16",
        weekday=day.weekday(),
        at=_free_hour(therapist, day),
        first_date=started,
        history=True,
    )


def _attend_and_sign(therapist: User, course: Course, *, leave_last_unsigned: bool) -> None:
    """Every session so far attended and its record signed; the last one, if told, left
    as a draft that sets a task, shared and noted by the patient."""
    past = list(course.appointments.filter(starts_at__lt=timezone.now()).order_by("number"))
    for appointment in past:
        attendance.record_attendance(actor=therapist, appointment=appointment, status="attended")
        last = appointment == past[-1]
        encounters.save_record(
            actor=therapist,
            appointment=appointment,
            notes=NOTE,
            risk_checked=True,
            between_session_task="Tell your partner one thing you need from them this week."
            if last and leave_last_unsigned
            else "",
        )
        if not (last and leave_last_unsigned):
            encounters.sign_record(actor=therapist, appointment=appointment)
    if leave_last_unsigned and past:
        task = BetweenSessionTask.objects.get(set_at=past[-1])
        progress.set_shared(actor=therapist, item=task, shared=True)
        progress.note_task(
            actor=PatientActor(course.patient),
            task=task,
            note="I asked for help with the shopping. It went better than I expected.",
        )


def _course_with_session_today(therapist: User, lead: User, today: dt.date) -> None:
    """Session 9 today; session 8 (a re-rating session of IPT-16) attended last week
    with a draft record, the problems not yet re-rated; questionnaires answered before
    every session, this week's among them."""
    course = _start(therapist, lead, today, weeks_before=8)
    if course is None:
        return
    first = course.appointments.get(number=1)
    for kind, words, baseline in (
        ("problem", "Arguments with my partner about the housework", 8),
        ("goal", "Spend an evening a week with friends", 2),
    ):
        progress.add_problem(
            actor=therapist,
            course=course,
            kind=kind,
            description=words,
            baseline=baseline,
            session=first,
        )
    _attend_and_sign(therapist, course, leave_last_unsigned=True)
    # Answered before every session, as the portal asks: a slow start, then better.
    scores = {
        1: (18, 14),
        2: (17, 14),
        3: (17, 13),
        4: (16, 13),
        5: (15, 12),
        6: (16, 12),
        7: (15, 12),
        8: (14, 11),
        9: (11, 9),
    }
    for appointment in course.appointments.filter(number__in=scores):
        before = min(appointment.starts_at, timezone.now())
        answer(appointment, scores[appointment.number], "portal", before)
    figures.changed(course)  # answers stored directly, as the demo's other stories do


def _course_ending_tomorrow(therapist: User, lead: User, tomorrow: dt.date) -> None:
    """Session 13, the first of IPT-16's ending phase, tomorrow: no ending review yet."""
    course = _start(therapist, lead, tomorrow, weeks_before=12)
    if course is not None:
        _attend_and_sign(therapist, course, leave_last_unsigned=False)


def _arrived_today(today: dt.date) -> None:
    """The two newest routine referrals awaiting triage came in this morning (the
    synthetic queue's spread is kept otherwise; no referral is added)."""
    newest = Referral.objects.filter(status=ReferralStatus.RECEIVED, urgent=False).order_by(
        "-received_at"
    )[:2]
    for minutes, referral in enumerate(newest):
        arrived = timezone.make_aware(dt.datetime.combine(today, dt.time(7, 10 * minutes)))
        arrived = min(arrived, timezone.now())
        Referral.objects.filter(pk=referral.pk).update(
            received_at=arrived, acknowledgement_sent_at=arrived
        )


def _unanswered_calls(lead: User, today: dt.date) -> None:
    """Two people awaiting triage rang on the previous working day without an answer: the
    next attempt is due today. The call is logged through the service, then dated back."""
    closed: set[dt.date] = set()
    called = timezone.make_aware(dt.datetime.combine(last_working_day(today, closed), dt.time(14)))
    waiting = Referral.objects.filter(
        status__in=(ReferralStatus.RECEIVED, ReferralStatus.IN_TRIAGE),
        urgent=False,
        received_at__lt=called,
        contact_attempts__isnull=True,
    ).order_by("received_at")[:2]
    for referral in waiting:
        attempt = triage.log_contact_attempt(
            actor=lead, referral=referral, method="phone", outcome="no_answer"
        )
        ContactAttempt.objects.filter(pk=attempt.pk).update(at=called)


WRITE_UPS = (
    "Synthetic demo note: went over the week; the row with their sister came up again.",
    "Synthetic demo note: looked at the timeline of the move and who they lost touch with.",
    "Synthetic demo note: practised saying what they need before the conversation at work.",
    "Synthetic demo note: scores talked through; mood a little lighter this week.",
)


def write_up_past_sessions(therapists: list[User]) -> int:
    """Write and sign the records of the demo therapists' past sessions, as a working
    service would have done, leaving each running course's latest attended session
    unwritten (a therapist's usual backlog of a few) and every record a story already
    started as it is. Without it the therapist's day would list twenty sessions to sign.
    Returns how many records were signed."""
    signed = 0
    now = timezone.now()
    for course in Course.objects.filter(therapist__in=therapists, group_place=None):
        attended = list(
            course.appointments.filter(
                status=AppointmentStatus.ATTENDED, starts_at__lt=now, record=None
            ).order_by("number")
        )
        latest = (
            course.appointments.filter(status=AppointmentStatus.ATTENDED, starts_at__lt=now)
            .order_by("-number")
            .first()
        )
        for appointment in attended:
            if course.ended_at is None and appointment == latest:
                continue
            encounters.save_record(
                actor=course.therapist,
                appointment=appointment,
                notes=WRITE_UPS[appointment.number % len(WRITE_UPS)],
                risk_checked=True,
            )
            encounters.sign_record(actor=course.therapist, appointment=appointment)
            signed += 1
    return signed


ROOMS = {"therapist": "Room 1, Meadow House", "supervisor": "Room 2, Meadow House"}


def give_rooms(therapists: list[User]) -> int:
    """Hold each demo therapist's in-person sessions in their own room, as a service's
    diary would, so that the day, the course pages and the letters show where they meet.
    A room of their own cannot clash: a therapist holds one session at a time. Courses
    by video and group places (their group's video call) keep no room. Returns how many
    appointments were given a room."""
    given = 0
    for therapist in therapists:
        if therapist.username not in ROOMS:
            continue
        room, _ = Room.objects.get_or_create(name=ROOMS[therapist.username])
        in_person = Course.objects.filter(
            therapist=therapist, group_place=None, video_link="", room=None
        )
        given += Appointment.objects.filter(
            course__in=in_person, therapist=therapist, shared=False, room=None
        ).update(room=room)
        in_person.update(room=room)
    return given

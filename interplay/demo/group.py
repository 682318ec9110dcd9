"""The demo's running IPT group: eight members from the group IPT waiting list, two
facilitators (the therapist leads, the supervisor co-facilitates; both qualified for
group IPT), weekly for the WHO programme's 90 minutes, three sessions behind it and its
fourth to come. Each member had their pre-group session, answered the PHQ-9 and GAD-7
before each group session, and one has missed two (an attendance review waits).

So that both facilitators' days show it whatever day the demo is set up, the group meets
on the next working day's weekday (tomorrow, or Monday from a Friday or Saturday) at an
hour both are free, and session 3's record is a draft still to sign; five members have
answered before session 4. Where that cannot be had (a bank holiday in those weeks), it
meets on Tuesdays at 14:00 as before."""

import datetime as dt
from typing import Any

from django.utils import timezone

from interplay.accounts.models import User, WorkingHours
from interplay.accounts.rules import DAY_NAMES
from interplay.audit.actors import PatientActor
from interplay.courses import attendance, figures
from interplay.courses import rules as course_rules
from interplay.courses.services import working_hours
from interplay.demo.answers import answer
from interplay.encounters import services as encounters
from interplay.groups import running, schedule, services
from interplay.groups.models import Group
from interplay.referrals.models import Referral, ReferralStatus
from interplay.triage import services as triage

MEMBERS = 8
ANSWERED_BEFORE_NEXT = 5
TUESDAY = 1
AT = dt.time(14)
MINUTES = 90
HOURS = (14, 13, 15, 11, 10, 12, 9, 16)
PRE_GROUP_NOTE = "Synthetic demo note: talked through how the group works and one hope for it."
# PHQ-9 and GAD-7 totals before each session, per member: most improving.
SCORES = [
    {0: (17, 13), 1: (16, 12), 2: (13, 10), 3: (11, 8)},
    {0: (15, 12), 1: (15, 11), 2: (14, 11), 3: (12, 10)},
    {0: (19, 15), 1: (18, 14), 2: (17, 14), 3: (15, 12)},
]


def build(users: dict[str, User]) -> Group | None:
    """Form, fill, start and run the group to its fourth session (once)."""
    if Group.objects.exists():
        return None
    lead, co, triager = users["therapist"], users["supervisor"], users["triage"]
    people = list(
        Referral.objects.filter(status=ReferralStatus.RECEIVED, urgent=False).order_by(
            "received_at"
        )[:MEMBERS]
    )
    if len(people) < MEMBERS:
        return None
    weekday, at, first = _when(lead, co)
    for person in people:
        _to_the_waiting_list(triager, person, first)
    group = services.form_group(
        actor=lead,
        name=f"{DAY_NAMES[weekday]} group",
        protocol_code="who-group-ipt",
        weekday=weekday,
        at=at,
        first_date=first,
        lead=lead,
        co_facilitator=co,
        video_link="https://video.example.org/tuesday-group",
        min_members=6,
        max_members=10,
    )
    for person in people:
        member = services.invite_member(actor=lead, group=group, referral=person)
        services.respond_to_invitation(
            actor=PatientActor(person.patient), member=member, accept=True
        )
    group = services.start_group(actor=lead, group=group, history=True)
    _run(group)
    return group


def _next_working_day(today: dt.date) -> dt.date:
    """Tomorrow, or the Monday after a Friday or a Saturday."""
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _when(lead: User, co: User) -> tuple[int, dt.time, dt.date]:
    """The weekday, hour and first date that put session 4 on the next working day with
    sessions 1 to 3 the three weeks before it (none skipped), at the first hour free for
    both facilitators; each is given working hours for it if theirs do not hold it."""
    meeting = _next_working_day(timezone.localdate())
    first = meeting - dt.timedelta(weeks=3)
    protocol = schedule.protocol_of(Group(protocol_code="who-group-ipt"))
    for hour in HOURS:
        trial = Group(
            weekday=meeting.weekday(),
            time=dt.time(hour),
            minutes=MINUTES,
            lead=lead,
            co_facilitator=co,
            first_date=first,
        )
        dates = [
            timezone.localtime(s.starts_at).date()
            for s in schedule.group_sessions(trial, protocol)[:4]
        ]
        if dates == [first + dt.timedelta(weeks=n) for n in range(4)]:
            _working_then(trial, (lead, co))
            return trial.weekday, trial.time, first
    return TUESDAY, AT, _first_date(lead, co)


def _working_then(group: Group, facilitators: tuple[User, User]) -> None:
    """A span of working hours for the group's time, for a facilitator who has none."""
    starts_at = dt.datetime.combine(group.first_date, group.time, tzinfo=schedule.zone())
    ends_at = starts_at + dt.timedelta(minutes=group.minutes)
    for user in facilitators:
        if course_rules.hours_refusal(starts_at, ends_at, working_hours(user), schedule.zone()):
            WorkingHours.objects.create(
                profile=user.clinician,
                weekday=group.weekday,
                start=group.time,
                end=ends_at.time(),
            )


def _first_date(lead: User, co: User) -> dt.date:
    """The first date that leaves three sessions held and the fourth to come, once the
    weeks the facilitators are busy or the service is closed are skipped."""
    today = timezone.localdate()
    now = timezone.now()
    trial = Group(weekday=TUESDAY, time=AT, minutes=MINUTES, lead=lead, co_facilitator=co)
    protocol = schedule.protocol_of(Group(protocol_code="who-group-ipt"))
    for weeks in range(3, 12):
        trial.first_date = today - dt.timedelta(weeks=weeks)
        held = [s for s in schedule.group_sessions(trial, protocol) if s.starts_at < now]
        if len(held) == 3:
            return trial.first_date
    return today - dt.timedelta(weeks=3)


def _to_the_waiting_list(actor: User, referral: Referral, first: dt.date) -> None:
    # Referred a month before the pre-group sessions, so waits count from then.
    received = timezone.make_aware(dt.datetime.combine(first - dt.timedelta(days=45), dt.time(9)))
    Referral.objects.filter(pk=referral.pk).update(
        received_at=received, acknowledgement_sent_at=received
    )
    referral.refresh_from_db()
    triage.save_assessment(
        actor=actor, referral=referral, urgency="routine", suitable_for=["group_ipt"]
    )
    triage.decide(actor=actor, referral=referral, outcome="offer_group_ipt")


def _run(group: Group) -> None:
    """Pre-group sessions attended and their records signed; sessions 1 to 3 attended
    (one member missed two), answers before each, each group record written and all but
    the last signed."""
    now = timezone.now()
    members = list(group.members.select_related("course").order_by("invited_at", "id"))
    for index, member in enumerate(members):
        course = member.course
        assert course is not None
        scores = SCORES[index % len(SCORES)]
        for appointment in course.appointments.filter(starts_at__lt=now, number=0):
            attendance.apply_attendance(
                actor=course.therapist, appointment=appointment, status="attended"
            )
            # Written and signed by the member's own facilitator, as any session's record.
            encounters.save_record(
                actor=course.therapist,
                appointment=appointment,
                notes=PRE_GROUP_NOTE,
                risk_checked=True,
            )
            encounters.sign_record(actor=course.therapist, appointment=appointment)
        for appointment in course.appointments.filter(starts_at__lt=now, number__gte=1):
            missed = index == MEMBERS - 1 and appointment.number in (2, 3)
            if not missed and appointment.number - 1 in scores:
                totals = scores[appointment.number - 1]
                answer(appointment, totals, "portal", appointment.starts_at)
        figures.changed(course)
    lead = group.lead
    held = list(group.sessions.filter(starts_at__lt=now))
    for session in held:
        statuses = {
            m.pk: "dna" if i == MEMBERS - 1 and session.number in (2, 3) else "attended"
            for i, m in enumerate(members)
        }
        running.record_group_attendance(actor=lead, session=session, statuses=statuses)
        tasks = [t.key for t in running.phase(session).tasks][:2]
        running.save_group_record(
            actor=lead,
            session=session,
            tasks_done=tasks,
            notes="Synthetic demo note: members shared what they tried this week.",
        )
        # The last one held is left as a draft: both facilitators' days list it to sign.
        if session != held[-1]:
            running.sign_group_record(actor=lead, session=session)
    _answered_before_next(group, members, now)


def _answered_before_next(group: Group, members: list[Any], now: dt.datetime) -> None:
    """The first five members have answered before the next session; three have not yet."""
    upcoming = group.sessions.filter(starts_at__gte=now).first()
    if upcoming is None:
        return
    for index, member in enumerate(members[:ANSWERED_BEFORE_NEXT]):
        place = member.course.appointments.get(number=upcoming.number)
        scores = SCORES[index % len(SCORES)]
        answer(place, scores[max(scores)], "portal", now)
        figures.changed(member.course)

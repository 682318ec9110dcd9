"""Treatment protocols as data: phases, the tasks of each phase, measures and attendance.

Pure Python (no Django, no app imports) so courses, reports and tests can share them.
A course stores the protocol's ``code`` and ``version`` (and a snapshot) when it starts,
so changing a built-in later never rewrites the history of a running course: bump the
version when a phase boundary or a task changes.

Sources are docs/clinical-rules.md sections and its [S..] numbers. Where the sources disagree
(docs/clinical-rules.md 8) the choice is a separate protocol, not a hidden constant.
"""

import copy
import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Modality = Literal["ipt", "dit", "group_ipt"]


@dataclass(frozen=True)
class Task:
    """One thing to do in a phase; ``key`` is stable so a course can tick it off."""

    key: str
    text: str
    optional: bool = False


@dataclass(frozen=True)
class Phase:
    """A run of sessions, ``first`` to ``last`` inclusive."""

    key: str
    name: str
    first: int
    last: int
    tasks: tuple[Task, ...] = ()

    def __contains__(self, session_number: object) -> bool:
        return isinstance(session_number, int) and self.first <= session_number <= self.last

    @property
    def length(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class AttendancePolicy:
    """What missed sessions lead to. A late cancellation (less than ``notice_hours`` before
    the start) counts as missed, as in CPFT's and Bristol's policies (docs/clinical-rules.md
    7).

    Defaults: a second missed session calls for a review: CPFT gives "one further
    opportunity" after the first DNA [S113], and a missed contact is itself a risk
    signal to be assessed [S124]. Discharge is not automatic (None) unless the service
    says so (CPFT discharges at the 2nd; Bristol allows 2 in a 12-session course [S126]).
    48 hours' notice: Bristol [S126] and a private provider [S130].
    """

    review_after_missed: int = 2
    discharge_after_missed: int | None = None
    notice_hours: int = 48

    def __post_init__(self) -> None:
        if self.review_after_missed < 1:
            raise ValueError("review_after_missed must be at least 1")
        if (
            self.discharge_after_missed is not None
            and self.discharge_after_missed < self.review_after_missed
        ):
            raise ValueError("discharge_after_missed cannot come before review_after_missed")
        if self.notice_hours < 0:
            raise ValueError("notice_hours cannot be negative")


# NHS Talking Therapies measure at every session (docs/clinical-rules.md 5.7, [S90]); the
# IPT Institute's "every 4 sessions" (docs/clinical-rules.md 1.10) is the other view, not
# the default.
EVERY_SESSION_MEASURES = ("phq9", "gad7")


@dataclass(frozen=True)
class Protocol:
    """A versioned treatment protocol.

    ``default_sessions`` is the planned number of numbered sessions and the last session
    of the final phase. A group's individual pre-group meeting is session 0, before
    session 1, and not counted in it. A course may plan any total from ``min_sessions``
    to ``max_sessions``: see ``phases_for``.
    """

    code: str
    version: str
    name: str
    modality: Modality
    min_sessions: int
    max_sessions: int
    default_sessions: int
    session_minutes: int
    phases: tuple[Phase, ...]
    measures_due: tuple[str, ...] = EVERY_SESSION_MEASURES
    attendance: AttendancePolicy = field(default_factory=AttendancePolicy)
    # The sessions at which the problems and goals first identified are re-rated by the
    # therapist (None: halfway and the last session). Numbers in the final phase move with
    # it when a course is planned shorter or longer, as ``phases_for`` moves the phase.
    rerate_problems_at: tuple[int, ...] | None = None
    # The session a DIT goodbye letter is due (None: the penultimate session, the usual
    # telling; UNVERIFIED, docs/clinical-rules.md 2.3). An optional ending-phase document.
    goodbye_letter_at: int | None = None

    def __post_init__(self) -> None:
        _check(self)

    @property
    def first_session(self) -> int:
        """1, or 0 when the protocol opens with a pre-group session."""
        return self.phases[0].first

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(task for phase in self.phases for task in phase.tasks)

    def task(self, key: str) -> Task:
        for task in self.tasks:
            if task.key == key:
                return task
        raise KeyError(key)


def _check(protocol: Protocol) -> None:
    """Refuse a protocol whose phases do not tile its sessions, so a typo in a built-in
    fails at import time rather than labelling a session wrongly."""
    phases = protocol.phases
    if len(phases) < 2:
        raise ValueError(f"{protocol.code}: needs at least two phases")
    if not protocol.min_sessions <= protocol.default_sessions <= protocol.max_sessions:
        raise ValueError(f"{protocol.code}: default_sessions outside min..max")
    if phases[0].first not in (0, 1) or phases[-1].last != protocol.default_sessions:
        raise ValueError(f"{protocol.code}: phases must run from 0 or 1 to default_sessions")
    if any(phase.last < phase.first for phase in phases):
        raise ValueError(f"{protocol.code}: a phase ends before it starts")
    for before, after in itertools.pairwise(phases):
        if after.first != before.last + 1:
            raise ValueError(f"{protocol.code}: phases {before.key} and {after.key} do not join")
    stretch = phases[-2]
    if stretch.length - (protocol.default_sessions - protocol.min_sessions) < 1:
        raise ValueError(f"{protocol.code}: min_sessions leaves {stretch.key} empty")
    keys = [task.key for task in protocol.tasks]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{protocol.code}: task keys must be unique")
    if len({phase.key for phase in phases}) != len(phases):
        raise ValueError(f"{protocol.code}: phase keys must be unique")


def _moved(protocol: Protocol, n: int, planned_total: int) -> int:
    """Session ``n`` of the default plan in a course of ``planned_total`` sessions: the
    final phase's sessions move with it (``phases_for``); earlier ones stay."""
    final = protocol.phases[-1]
    return n + (planned_total - protocol.default_sessions) if n in final else n


def rerate_sessions(protocol: Protocol, planned_total: int | None = None) -> tuple[int, ...]:
    """The sessions at which the therapist re-rates the problems and goals: the
    protocol's ``rerate_problems_at``, or halfway and the last session. A number past
    the end of the course means its last session."""
    total = protocol.default_sessions if planned_total is None else planned_total
    named = protocol.rerate_problems_at
    if named is None:
        named = (protocol.default_sessions // 2, protocol.default_sessions)
    moved = {min(_moved(protocol, n, total), total) for n in named}
    return tuple(sorted(n for n in moved if n >= protocol.first_session))


def goodbye_letter_session(protocol: Protocol, planned_total: int | None = None) -> int:
    """The session the goodbye letter is due: the protocol's, else the penultimate."""
    total = protocol.default_sessions if planned_total is None else planned_total
    if protocol.goodbye_letter_at is None:
        return total - 1
    return min(_moved(protocol, protocol.goodbye_letter_at, total), total)


def phases_for(protocol: Protocol, planned_total: int | None = None) -> tuple[Phase, ...]:
    """The phases of a course planned for ``planned_total`` sessions.

    The opening phases keep their sessions; the final phase keeps its length and moves so it
    stays the last sessions; the phase before it (the middle) grows or shrinks. The ending
    is "the last few sessions" (docs/clinical-rules.md 1.2 [S8], 1.9 [S24]; DIT 13-16 = the
    last four, 2.1), while the initial phase is counted from the start.
    """
    total = protocol.default_sessions if planned_total is None else planned_total
    if not protocol.min_sessions <= total <= protocol.max_sessions:
        raise ValueError(
            f"{protocol.name} plans {protocol.min_sessions} to {protocol.max_sessions} "
            f"sessions, not {total}"
        )
    shift = total - protocol.default_sessions
    if shift == 0:
        return protocol.phases
    *opening, stretch, final = protocol.phases
    return (
        *opening,
        replace(stretch, last=stretch.last + shift),
        replace(final, first=final.first + shift, last=final.last + shift),
    )


def phase_for(protocol: Protocol, session_number: int, planned_total: int | None = None) -> Phase:
    """The phase session ``session_number`` falls in; ValueError outside the course."""
    for phase in phases_for(protocol, planned_total):
        if session_number in phase:
            return phase
    raise ValueError(f"{protocol.name} has no session {session_number}")


def session_label(protocol: Protocol, n: int, planned_total: int) -> str:
    """The session's place, e.g. "Session 7 of 16, middle phase"; a group's session 0
    is its pre-group meeting."""
    phase = phase_for(protocol, n, planned_total)
    if n == 0:
        return f"Pre-group session, before {planned_total} group sessions"
    return f"Session {n} of {planned_total}, {phase.name.lower()} phase"


# --- IPT (docs/clinical-rules.md 1) --------------------------------------------------------------

# Initial phase checklist, docs/clinical-rules.md 1.3 [S1][S3][S5][S6][S10]. The focus and
# the contract are one step in the sources (#8); they are two tasks here because the focus
# is ticked only when a focus is recorded, and the contract when the end date is agreed.
IPT_INITIAL_TASKS = (
    Task("review_symptoms", "Review symptoms with a rating scale and name the depression"),
    Task("psychoeducation", "Explain that depression is common and treatable"),
    Task("sick_role", "Give the sick role"),
    Task("medication", "Assess the need for medication"),
    Task("inventory", "Complete the interpersonal inventory"),
    Task("timeline", "Link life events to when the symptoms started"),
    Task("formulation", "Share a formulation linking the depression to one problem area"),
    Task("agree_focus", "Agree the focus (problem area)"),
    Task("agree_contract", "Agree the contract: number of sessions and end date"),
)

# Middle phase, docs/clinical-rules.md 1.8 [S1][S22]. "Between-session tasks" is the
# clinic's wording for the interpersonal work agreed in a session; the clinical rules do not
# name homework.
IPT_MIDDLE_TASKS = (
    Task("mood_review", "Ask how things have been and rate mood each session"),
    Task("link_mood_events", "Link the week's mood to events in the focus area"),
    Task("work_on_focus", "Work on the focus with the problem area's strategies"),
    Task("review_between_sessions", "Review what the patient tried between sessions"),
)

# Termination, docs/clinical-rules.md 1.9 [S4][S8][S24].
IPT_TERMINATION_TASKS = (
    Task("discuss_ending", "Talk openly about the ending"),
    Task("feelings_about_ending", "Acknowledge feelings about ending: a loss or a change"),
    Task("review_gains", "Review gains and ask why the patient feels better"),
    Task("relapse_plan", "Plan for relapse: warning signs and what to do"),
    Task("next_treatment", "If not better, offer another treatment", optional=True),
    Task("continuation", "Agree a separate contract for continuation IPT", optional=True),
)


def _ipt(
    code: str, name: str, initial_last: int, termination_first: int, sessions: int, minimum: int
) -> Protocol:
    return Protocol(
        code=code,
        version="1",
        name=name,
        modality="ipt",
        min_sessions=minimum,
        max_sessions=sessions,
        default_sessions=sessions,
        session_minutes=50,  # 45-50 minutes, docs/clinical-rules.md 1.1 [S3]
        phases=(
            Phase("initial", "Initial", 1, initial_last, IPT_INITIAL_TASKS),
            Phase("middle", "Middle", initial_last + 1, termination_first - 1, IPT_MIDDLE_TASKS),
            Phase("termination", "Termination", termination_first, sessions, IPT_TERMINATION_TASKS),
        ),
        # Re-rate halfway and at the last session, as symptoms are re-rated through the
        # course (docs/clinical-rules.md 1.3 #1) and gains reviewed at the end (1.9). A
        # clinic choice.
        rerate_problems_at=(sessions // 2, sessions),
    )


# 16 sessions, IPT UK's split: initial 1-4, middle 5-12, termination 13-16
# (docs/clinical-rules.md 1.2 [S1]; 13-16 is implied by the other two, UNVERIFIED in the
# retrieved page). A course may be planned from 12 (docs/clinical-rules.md 1.1: 12-16 weekly
# sessions [S3]).
IPT_16 = _ipt("ipt16", "IPT, 16 sessions", 4, 13, sessions=16, minimum=12)

# DISAGREEMENT (docs/clinical-rules.md 8.1): Markowitz/Weissman keep the initial phase to 3 sessions
# [S5][S6]; the middle is then 4-12, as the CITC page has it [S7].
IPT_16_INITIAL_3 = _ipt(
    "ipt16-initial3", "IPT, 16 sessions (3 initial)", 3, 13, sessions=16, minimum=12
)

# 12 sessions, the short end of 12-16 [S3]. The clinical rules give no 12-session split: this is
# 16 scaled to 12 (initial 1-3 as Markowitz [S5], termination the last three, "last few /
# ~3 sessions" [S8]); UNVERIFIED, a clinic choice. Down to 8 (brief format tested [S3]).
IPT_12 = _ipt("ipt12", "IPT, 12 sessions", 3, 10, sessions=12, minimum=8)


# --- DIT (docs/clinical-rules.md 2) --------------------------------------------------------------

# DIT is 16 weekly sessions; initial 1-4, middle 5-12, ending 13-16 (docs/clinical-rules.md
# 2.1 [S32][S33][S34]). DISAGREEMENT (docs/clinical-rules.md 8.2): one service page says
# middle 5-15, which overlaps its own ending; the OUP chapter's 5-12 is used.
DIT_16 = Protocol(
    code="dit16",
    version="1",
    name="DIT, 16 sessions",
    modality="dit",
    min_sessions=16,
    max_sessions=16,
    default_sessions=16,
    session_minutes=50,  # docs/clinical-rules.md 2.1 [S30]
    phases=(
        Phase(
            "initial",
            "Initial",
            1,
            4,
            (
                Task("assess", "Assess: history, relationships and symptoms"),
                # The IPAF: self, other and the feeling linking them (docs/clinical-rules.md
                # 2.2 [S33][S35]).
                Task("ipaf", "Formulate the IPAF: self, other and the feeling between"),
                # Sharing the IPAF and agreeing it is the outcome of the phase [S33].
                Task("agree_focus", "Share the IPAF and agree it as the focus"),
                # A fixed end date: IPT's rule (docs/clinical-rules.md 1.1); applied to DIT
                # as a clinic choice.
                Task("agree_contract", "Agree the 16 sessions and the end date"),
            ),
        ),
        Phase(
            "middle",
            "Middle",
            5,
            12,
            (
                Task("mood_review", "Rate mood and anxiety each session"),
                # Work on the IPAF in current relationships, incl. with the therapist [S34].
                Task("work_on_ipaf", "Work on the IPAF in relationships, including this one"),
                # Mentalizing focus, docs/clinical-rules.md 2.4 [S29][S34].
                Task("mentalizing", "Explore the thoughts and feelings behind mood changes"),
            ),
        ),
        Phase(
            "ending",
            "Ending",
            13,
            16,
            (
                Task("discuss_ending", "Talk about the ending and feelings about it"),
                Task("review_ipaf", "Review the work on the IPAF"),
                # UNVERIFIED (docs/clinical-rules.md 2.3): often said to be given at the penultimate
                # session; the due session is for the letters feature to configure.
                Task("goodbye_letter", "Write and give the goodbye letter", optional=True),
            ),
        ),
    ),
    rerate_problems_at=(8, 16),
    # UNVERIFIED (docs/clinical-rules.md 2.3): the penultimate session, as it is often described.
    goodbye_letter_at=15,
)


# --- Group IPT (docs/clinical-rules.md 3) --------------------------------------------------------

# WHO Group IPT, generic field-trial version 1.0, 2016 (WHO/MSD/MER/16.4) [S46]: 8 group
# sessions [S48][S49]; as implemented from the manual: an individual pre-group session,
# initial = group session 1, middle = 2-7, termination = 8 (docs/clinical-rules.md 3.1
# [S50]). Other programmes run 6-20 sessions (docs/clinical-rules.md 8.9): add them as their
# own protocols.
WHO_GROUP_IPT = Protocol(
    code="who-group-ipt",
    version="1",
    name="Group IPT (WHO), 8 sessions",
    modality="group_ipt",
    min_sessions=8,
    max_sessions=8,
    default_sessions=8,
    # UNVERIFIED for the WHO manual; the Uganda trial ran 90-minute sessions [S51].
    session_minutes=90,
    phases=(
        Phase(
            "pre_group",
            "Pre-group",
            0,
            0,
            # Pre-group content from the Ethiopia pilot of the manual
            # (docs/clinical-rules.md 3.1 [S50]).
            (
                Task("symptom_inventory", "Go through symptoms using the PHQ-9 items"),
                Task("link_onset", "Link when symptoms started to problems with people"),
                # Choosing one of the WHO problem areas (grief, disputes, life changes,
                # loneliness [S49]) from that link: the clinic's reading of [S50].
                Task("agree_focus", "Agree the problem area to work on"),
                Task("instil_hope", "Give hope: depression can get better"),
                Task("invite", "Invite the person to the group"),
            ),
        ),
        Phase(
            "initial",
            "Initial",
            1,
            1,
            # docs/clinical-rules.md 3.1 names the phase, not its content: IPT's opening
            # (docs/clinical-rules.md 1.3) in a group. UNVERIFIED against the manual.
            (
                Task("group_introductions", "Introductions and the group's agreement"),
                Task("group_psychoeducation", "Explain depression and how the group works"),
                Task("share_problem_areas", "Each member names their problem area"),
            ),
        ),
        Phase(
            "middle",
            "Middle",
            2,
            7,
            (
                Task("mood_review", "Rate symptoms each session"),
                Task("work_on_problem_areas", "Work on each member's problem area"),
                Task("review_between_sessions", "Members report what they tried"),
            ),
        ),
        Phase(
            "termination",
            "Termination",
            8,
            8,
            # docs/clinical-rules.md 3.1 [S50]: re-rate symptoms, plan for relapse, consider
            # referral.
            (
                Task("rerate_symptoms", "Re-rate symptoms"),
                Task("relapse_plan", "Plan for relapse: warning signs and what to do"),
                Task("consider_referral", "If symptoms persist, consider a referral"),
            ),
        ),
    ),
    # Halfway, and the termination session's re-rating (docs/clinical-rules.md 3.1 [S50]).
    rerate_problems_at=(4, 8),
)


BUILT_IN: dict[str, Protocol] = {
    p.code: p for p in (IPT_16, IPT_16_INITIAL_3, IPT_12, DIT_16, WHO_GROUP_IPT)
}


def from_dict(data: dict[str, Any]) -> Protocol:
    """A protocol from its plain-data form (``dataclasses.asdict``, a course's snapshot, or
    a service's own definition). Raises ValueError, KeyError or TypeError when it is not a
    valid protocol: the dataclasses check themselves."""
    phases = tuple(
        Phase(
            key=p["key"],
            name=p["name"],
            first=int(p["first"]),
            last=int(p["last"]),
            tasks=tuple(
                Task(t["key"], t["text"], bool(t.get("optional", False)))
                for t in p.get("tasks", ())
            ),
        )
        for p in data["phases"]
    )
    return Protocol(
        code=data["code"],
        version=str(data["version"]),
        name=data["name"],
        modality=data["modality"],
        min_sessions=int(data["min_sessions"]),
        max_sessions=int(data["max_sessions"]),
        default_sessions=int(data["default_sessions"]),
        session_minutes=int(data["session_minutes"]),
        phases=phases,
        measures_due=tuple(data.get("measures_due", EVERY_SESSION_MEASURES)),
        attendance=AttendancePolicy(**data.get("attendance", {})),
        # Snapshots taken before these fields existed have neither: the defaults apply.
        rerate_problems_at=_numbers(data.get("rerate_problems_at")),
        goodbye_letter_at=_number(data.get("goodbye_letter_at")),
    )


# Snapshots already read in this process, by (code, version): a list page reads the same
# few protocols once per course, and building one is the costly part of reading it.
_READ: dict[tuple[str, str], list[tuple[dict[str, Any], Protocol]]] = {}
_READ_PER_VERSION = 8
_READ_VERSIONS = 64


def from_snapshot(data: dict[str, Any]) -> Protocol:
    """``from_dict``, remembered: a snapshot equal to one read before gives that same
    protocol (immutable, so shared safely) without building it again. Equal means equal
    in every value, compared in full, so a service's own protocol changed without a new
    version is still read afresh."""
    key = (str(data.get("code")), str(data.get("version")))
    known = _READ.get(key, [])
    for snapshot, protocol in known:
        if snapshot == data:
            return protocol
    protocol = from_dict(data)
    if len(_READ) >= _READ_VERSIONS:
        _READ.clear()
    # A copy of its own: a caller changing ``data`` later must not change what it matches.
    _READ[key] = [*known[-(_READ_PER_VERSION - 1) :], (copy.deepcopy(data), protocol)]
    return protocol


def snapshot_digest(data: dict[str, Any]) -> str:
    """The SHA-256 of a snapshot's JSON with its keys sorted: equal snapshots (equal in
    every value) have the same digest, and a course stores it beside its snapshot
    (``Course.protocol_digest``) so that a list of courses need not read the snapshots."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Protocols by their snapshot's digest: a list of courses reads each course's digest (64
# characters) instead of its snapshot (1.5 kB, which PostgreSQL writes out as text for
# every row at some cost), and builds each protocol once per process.
_BY_DIGEST: dict[str, Protocol] = {}


def from_digest(digest: str, snapshot: Callable[[], dict[str, Any]]) -> Protocol:
    """The protocol whose snapshot has ``digest``: one seen before in this process, or else
    ``from_snapshot(snapshot())`` (the caller's way to read the snapshot, a query of its
    own), remembered by the digest."""
    protocol = _BY_DIGEST.get(digest)
    if protocol is None:
        if len(_BY_DIGEST) >= _READ_VERSIONS * _READ_PER_VERSION:
            _BY_DIGEST.clear()
        protocol = _BY_DIGEST[digest] = from_snapshot(snapshot())
    return protocol


def _numbers(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(n) for n in value)


def _number(value: Any) -> int | None:
    return None if value is None else int(value)

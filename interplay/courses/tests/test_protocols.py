"""Protocols as data: every session of every built-in falls in the phase
docs/clinical-rules.md gives."""

import dataclasses
import json

import pytest

from interplay.courses.protocols import (
    BUILT_IN,
    DIT_16,
    IPT_12,
    IPT_16,
    WHO_GROUP_IPT,
    AttendancePolicy,
    Phase,
    Protocol,
    Task,
    from_snapshot,
    phase_for,
    phases_for,
    session_label,
)

# Written from docs/clinical-rules.md, not from the code: 1.2 (IPT UK 1-4 / 5-12 / 13-16, and the
# Markowitz 1-3 / 4-12 variant), 2.1 (DIT 1-4 / 5-12 / 13-16), 3.1 (WHO group: pre-group,
# 1, 2-7, 8). IPT-12 is the clinic's scaling of 16 to 12 (see protocols.py).
EXPECTED_PHASES: dict[str, dict[str, range]] = {
    "ipt16": {"initial": range(1, 5), "middle": range(5, 13), "termination": range(13, 17)},
    "ipt16-initial3": {
        "initial": range(1, 4),
        "middle": range(4, 13),
        "termination": range(13, 17),
    },
    "ipt12": {"initial": range(1, 4), "middle": range(4, 10), "termination": range(10, 13)},
    "dit16": {"initial": range(1, 5), "middle": range(5, 13), "ending": range(13, 17)},
    "who-group-ipt": {
        "pre_group": range(0, 1),
        "initial": range(1, 2),
        "middle": range(2, 8),
        "termination": range(8, 9),
    },
}

EVERY_SESSION = [
    (code, n, key)
    for code, phases in EXPECTED_PHASES.items()
    for key, sessions in phases.items()
    for n in sessions
]


def test_the_table_covers_every_built_in_protocol() -> None:
    assert set(EXPECTED_PHASES) == set(BUILT_IN)


@pytest.mark.parametrize(("code", "session", "phase"), EVERY_SESSION)
def test_each_session_falls_in_its_phase(code: str, session: int, phase: str) -> None:
    assert phase_for(BUILT_IN[code], session).key == phase


@pytest.mark.parametrize("code", sorted(EXPECTED_PHASES))
def test_sessions_outside_the_protocol_are_refused(code: str) -> None:
    sessions = [n for r in EXPECTED_PHASES[code].values() for n in r]
    for outside in (min(sessions) - 1, max(sessions) + 1, 99):
        with pytest.raises(ValueError, match="has no session"):
            phase_for(BUILT_IN[code], outside)


@pytest.mark.parametrize(
    ("code", "n", "planned", "label"),
    [
        ("ipt16", 1, 16, "Session 1 of 16, initial phase"),
        ("ipt16", 7, 16, "Session 7 of 16, middle phase"),
        ("ipt16", 13, 16, "Session 13 of 16, termination phase"),
        ("ipt16-initial3", 4, 16, "Session 4 of 16, middle phase"),
        ("ipt12", 10, 12, "Session 10 of 12, termination phase"),
        ("dit16", 16, 16, "Session 16 of 16, ending phase"),
        ("who-group-ipt", 0, 8, "Pre-group session, before 8 group sessions"),
        ("who-group-ipt", 1, 8, "Session 1 of 8, initial phase"),
        ("who-group-ipt", 8, 8, "Session 8 of 8, termination phase"),
        # A shorter course keeps the ending as its last sessions.
        ("ipt16", 9, 12, "Session 9 of 12, termination phase"),
        ("ipt16", 8, 12, "Session 8 of 12, middle phase"),
    ],
)
def test_session_labels(code: str, n: int, planned: int, label: str) -> None:
    assert session_label(BUILT_IN[code], n, planned) == label


@pytest.mark.parametrize(
    ("code", "n", "planned"),
    [
        ("ipt16", 13, 12),  # beyond the planned total
        ("ipt16", 0, 16),  # individual IPT has no session 0
        ("ipt16", 1, 11),  # fewer than the protocol allows
        ("ipt16", 1, 17),  # more than it allows
        ("dit16", 1, 12),  # DIT is 16 sessions
    ],
)
def test_labels_outside_the_plan_are_refused(code: str, n: int, planned: int) -> None:
    with pytest.raises(ValueError):
        session_label(BUILT_IN[code], n, planned)


@pytest.mark.parametrize(
    ("protocol", "planned", "expected"),
    [
        (IPT_16, 16, [("initial", 1, 4), ("middle", 5, 12), ("termination", 13, 16)]),
        (IPT_16, 14, [("initial", 1, 4), ("middle", 5, 10), ("termination", 11, 14)]),
        (IPT_16, 12, [("initial", 1, 4), ("middle", 5, 8), ("termination", 9, 12)]),
        (IPT_12, 8, [("initial", 1, 3), ("middle", 4, 5), ("termination", 6, 8)]),
    ],
)
def test_a_shorter_plan_shortens_the_middle(
    protocol: Protocol, planned: int, expected: list[tuple[str, int, int]]
) -> None:
    assert [(p.key, p.first, p.last) for p in phases_for(protocol, planned)] == expected


def test_the_planned_total_changes_the_phase_of_a_session() -> None:
    assert phase_for(IPT_16, 11).key == "middle"
    assert phase_for(IPT_16, 11, planned_total=14).key == "termination"


@pytest.mark.parametrize("protocol", BUILT_IN.values(), ids=list(BUILT_IN))
def test_the_focus_is_agreed_once_before_the_middle(protocol: Protocol) -> None:
    holders = [p for p in protocol.phases if any(t.key == "agree_focus" for t in p.tasks)]
    assert len(holders) == 1
    assert holders[0].key in {"initial", "pre_group"}
    assert protocol.task("agree_focus").optional is False


@pytest.mark.parametrize("protocol", BUILT_IN.values(), ids=list(BUILT_IN))
def test_built_ins_share_the_service_defaults(protocol: Protocol) -> None:
    assert BUILT_IN[protocol.code] is protocol
    assert protocol.version == "1"
    assert protocol.measures_due == ("phq9", "gad7")  # every session, docs/clinical-rules.md 5.7
    assert protocol.attendance == AttendancePolicy(2, None, 48)
    assert all(phase.tasks for phase in protocol.phases)


@pytest.mark.parametrize("protocol", BUILT_IN.values(), ids=list(BUILT_IN))
def test_a_protocol_snapshot_is_plain_json(protocol: Protocol) -> None:
    snapshot = json.loads(json.dumps(dataclasses.asdict(protocol)))
    assert snapshot["code"] == protocol.code
    assert snapshot["phases"][-1]["last"] == protocol.default_sessions


def test_a_snapshot_read_again_gives_the_protocol_it_holds() -> None:
    snapshot = json.loads(json.dumps(dataclasses.asdict(IPT_16)))
    first = from_snapshot(snapshot)
    assert first == IPT_16
    # The same snapshot read again (a course on the next row): the same protocol, once built.
    assert from_snapshot(json.loads(json.dumps(snapshot))) is first
    # A service's own protocol changed under the same code and version is read afresh.
    snapshot["phases"][0]["name"] = "Opening"
    changed = from_snapshot(snapshot)
    assert changed.phases[0].name == "Opening"
    assert first.phases[0].name == IPT_16.phases[0].name
    # Changing the snapshot afterwards changes neither what was read nor what it matches.
    snapshot["phases"][0]["name"] = "Changed after reading"
    assert changed.phases[0].name == "Opening"
    assert from_snapshot(snapshot).phases[0].name == "Changed after reading"


def test_session_lengths() -> None:
    assert (IPT_16.session_minutes, DIT_16.session_minutes) == (50, 50)
    assert WHO_GROUP_IPT.session_minutes == 90
    assert WHO_GROUP_IPT.first_session == 0
    assert DIT_16.task("goodbye_letter").optional is True
    with pytest.raises(KeyError):
        DIT_16.task("sick_role")


def _protocol(**overrides: object) -> Protocol:
    values: dict[str, object] = {
        "code": "test",
        "version": "1",
        "name": "Test",
        "modality": "ipt",
        "min_sessions": 4,
        "max_sessions": 4,
        "default_sessions": 4,
        "session_minutes": 50,
        "phases": (Phase("a", "A", 1, 2), Phase("b", "B", 3, 4)),
    }
    values.update(overrides)
    return Protocol(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phases": (Phase("a", "A", 1, 2), Phase("b", "B", 4, 4))}, "do not join"),
        ({"phases": (Phase("a", "A", 1, 3), Phase("b", "B", 3, 4))}, "do not join"),
        ({"phases": (Phase("a", "A", 1, 2), Phase("b", "B", 3, 5))}, "to default_sessions"),
        ({"phases": (Phase("a", "A", 2, 2), Phase("b", "B", 3, 4))}, "from 0 or 1"),
        ({"phases": (Phase("a", "A", 1, 0), Phase("b", "B", 1, 4))}, "ends before it starts"),
        ({"phases": (Phase("a", "A", 1, 4),)}, "two phases"),
        ({"phases": (Phase("a", "A", 1, 2), Phase("a", "A", 3, 4))}, "phase keys"),
        ({"default_sessions": 5}, "outside min..max"),
        ({"min_sessions": 2}, "leaves a empty"),
    ],
)
def test_a_malformed_protocol_is_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _protocol(**overrides)


def test_task_keys_are_unique_within_a_protocol() -> None:
    twice = (Task("x", "X"),)
    with pytest.raises(ValueError, match="task keys"):
        _protocol(phases=(Phase("a", "A", 1, 2, twice), Phase("b", "B", 3, 4, twice)))


@pytest.mark.parametrize(
    ("review", "discharge", "notice"),
    [(0, None, 48), (3, 2, 48), (2, None, -1)],
)
def test_a_nonsense_attendance_policy_is_refused(
    review: int, discharge: int | None, notice: int
) -> None:
    with pytest.raises(ValueError):
        AttendancePolicy(review, discharge, notice)

"""A session record and its addenda as plain data, for the subject access export."""

from typing import Any

from interplay.courses import protocols
from interplay.courses.models import Course
from interplay.lib.export import person_name


def record_data(record: Any, protocol: Any, course: Course) -> dict[str, Any]:
    phases = {p.key: p for p in protocols.phases_for(protocol, course.planned_sessions)}
    phase = phases.get(record.phase)
    tasks = {t.key: t.text for p in phases.values() for t in p.tasks}
    return {
        "phase": record.phase,
        "phase_label": phase.name if phase else record.phase,
        "tasks_done": list(record.tasks_done),
        "tasks_done_labels": [tasks.get(key, key) for key in record.tasks_done],
        "notes": record.notes,
        "previous_task_review": record.previous_task_review,
        "between_session_task": record.between_session_task,
        "risk_checked": record.risk_checked,
        "risk_notes": record.risk_notes,
        "updated_at": record.updated_at,
        "signed_at": record.signed_at,
        "signed_by": person_name(record.signed_by),
        "addenda": [
            {"written_at": a.written_at, "written_by": person_name(a.written_by), "text": a.text}
            for a in record.addenda.all()
        ],
    }

"""A risk alert and what was done about it, as plain data, for the subject access export."""

from typing import Any

from interplay.lib.export import coded, person_name, session_number
from interplay.monitoring.models import RiskAlert


def alert_data(alert: RiskAlert) -> dict[str, Any]:
    return {
        "public_id": alert.public_id,
        **coded(alert, ("kind",)),
        "instrument": alert.instrument_code,
        "response": alert.response.public_id,
        "session": session_number(alert.response.appointment),
        "therapist": person_name(alert.therapist),
        "raised_at": alert.raised_at,
        "due_by": alert.due_by,
        "escalated_at": alert.escalated_at,
        "escalated_to": person_name(alert.escalated_to),
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": person_name(alert.acknowledged_by),
        "action_note": alert.action_note,
    }

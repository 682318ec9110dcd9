"""Supervision notes as plain data, for the subject access export.

They are staff notes, but they are about the person and part of their record, so the
person may ask for them (UK GDPR article 15); the export sets them apart under a heading
that says what they are.
"""

from typing import Any

from interplay.lib.export import person_name
from interplay.supervision.models import SupervisionNote


def note_data(note: SupervisionNote) -> dict[str, Any]:
    return {
        "public_id": note.public_id,
        "written_at": note.written_at,
        "author": person_name(note.author),
        "text": note.text,
    }

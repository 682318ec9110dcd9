"""A letter as plain data, for the subject access export (its words as text; the stored
PDF is the letter as sent)."""

from typing import Any

from interplay.letters.models import Letter
from interplay.lib.export import coded, person_name


def letter_data(letter: Letter) -> dict[str, Any]:
    return {
        "public_id": letter.public_id,
        "created_at": letter.created_at,
        "created_by": person_name(letter.created_by),
        "emailed_at": letter.emailed_at,
        **coded(
            letter,
            (
                "kind",
                "recipient_role",
                "recipient_name",
                "recipient_address",
                "recipient_email",
                "subject",
                "body",
            ),
        ),
    }

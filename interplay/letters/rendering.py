"""A letter's HTML and PDF: its kind's template, the service's details, the caller's words.

Pure of side effects: nothing here writes to the database, so a letter can be rendered
before the transaction that stores it (a PDF takes tens of milliseconds or more, and on
SQLite every write transaction holds the database's one write lock).
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter, RecipientRole
from interplay.lib import phones
from interplay.lib.nhs_number import format_nhs_number
from interplay.lib.pdf import html_to_pdf

# The print stylesheet (and, later, a logo): the only files a letter's rendering reads.
PRINT_DIR = Path(__file__).resolve().parent / "print"
# Set here from the letter itself; a caller's context may not replace them.
RESERVED = frozenset(
    {"letter", "service", "phone", "patient", "date", "for_gp", "reference", "crisis"}
)


def letter_html(letter: Letter, context: Mapping[str, Any] | None = None) -> str:
    """The HTML of ``letter`` (its kind's template); ``context`` adds the kind's details.

    The body and every value are escaped by the template, so markup a caller passes
    prints as text. ``signed_by`` defaults to the author's name (none: the service's team).
    ``phone`` is the service's number as a person dials it ("" when the service has none:
    the templates then ask for a reply to the letter, never "call us on .").
    """
    extra = dict(context or {})
    clash = sorted(RESERVED & extra.keys())
    if clash:
        raise ValueError(f"These context names are set from the letter itself: {clash}")
    service = ServiceSettings.load()
    return render_to_string(
        letter.template_name,
        {
            "signed_by": _author(letter),
            **extra,
            "letter": letter,
            "service": service,
            "phone": phone_for_people(service.phone),
            "patient": _patient(letter),
            "reference": letter.referral.reference if letter.referral else "",
            "date": letter.local_date(),
            "for_gp": letter.recipient_role == RecipientRole.GP,
            "crisis": _crisis(service.crisis_text),
        },
    )


def letter_pdf(html: str) -> bytes:
    """The PDF of a letter's HTML, styled by ``print/letter.css``."""
    return html_to_pdf(html, base_dir=PRINT_DIR)


def phone_for_people(raw: str) -> str:
    """The service's number as people dial it ("0113 496 0000"); see ``lib.phones``."""
    return phones.display(raw)


def _author(letter: Letter) -> str:
    user = letter.created_by
    return user.get_full_name().strip() if user is not None else ""


def _patient(letter: Letter) -> dict[str, Any] | None:
    """Who the letter is about, as a GP letter names them (from the referral)."""
    referral = letter.referral
    if referral is None:
        return None
    address = [referral.address_line_1, referral.address_line_2, referral.town, referral.postcode]
    return {
        "name": referral.full_name,
        "date_of_birth": referral.date_of_birth,
        "nhs_number": format_nhs_number(referral.nhs_number) if referral.nhs_number else "",
        "address": ", ".join(part for part in address if part),
    }


def _crisis(text: str) -> dict[str, list[str]]:
    """The service's crisis text as a patient letter prints it: its opening lines, then
    the "- " lines as a list."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return {
        "intro": [line for line in lines if not line.startswith("-")],
        "items": [line.lstrip("- ").strip() for line in lines if line.startswith("-")],
    }

"""Producing letters: render, make the PDF, store, audit, and email where an address exists."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from interplay.audit.services import record
from interplay.letters.models import Letter, LetterKind, RecipientRole
from interplay.letters.rendering import letter_html, letter_pdf
from interplay.letters.tasks import email_letter

if TYPE_CHECKING:
    from interplay.referrals.models import Referral


def produce_letter(
    *,
    actor: Any,
    kind: str,
    referral: "Referral | None",
    recipient_role: str,
    recipient_name: str,
    recipient_address: str,
    recipient_email: str = "",
    subject: str,
    body: str,
    context: Mapping[str, Any] | None = None,
) -> Letter:
    """Write one letter as a PDF, keep it with the record, and email it if there is an address.

    No permission is checked here: the calling service (a triage decision, an ending)
    checks that ``actor`` may do what the letter reports. ``actor`` is recorded as the
    letter's author and in the audit trail, which names the kind and recipient role, never
    the words. ``body`` is plain text, paragraphs separated by blank lines, printed as
    written (markup shows as text); ``context`` fills the kind's template (README.md).

    The letter is rendered first (it reads but never writes), then stored, audited and its
    email queued in one transaction: a letter exists only with its PDF and audit row, and
    its email only if the letter does. The email is sent by ``tasks.email_letter``, once.
    Raises ValueError for an unknown kind or role and ValidationError for a bad address.
    """
    letter = Letter(
        kind=LetterKind(kind),
        recipient_role=RecipientRole(recipient_role),
        referral=referral,
        recipient_name=recipient_name.strip(),
        recipient_address=recipient_address.strip(),
        recipient_email=recipient_email.strip(),
        subject=subject.strip(),
        body=body.strip(),
        created_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    letter.full_clean(exclude=["pdf"])
    letter.pdf = letter_pdf(letter_html(letter, context))
    with transaction.atomic():
        letter.save(force_insert=True)
        record(
            actor=actor,
            action="letter.produced",
            obj=letter,
            detail={"kind": letter.kind, "recipient_role": letter.recipient_role},
        )
        if letter.recipient_email:
            email_letter.enqueue(str(letter.public_id))
    return letter


def view_letter(*, actor: Any, letter: Letter) -> Letter:
    """Audit that ``actor`` opened this letter's PDF."""
    record(actor=actor, action="letter.viewed", obj=letter, detail={"kind": letter.kind})
    return letter

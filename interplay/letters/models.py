"""Letters: what the service wrote to a patient or their GP, kept as the PDF that was sent."""

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from interplay.lib.encrypted import EncryptedBinaryField, EncryptedCharField, EncryptedTextField

if TYPE_CHECKING:
    from interplay.referrals.models import Referral


class LetterKind(models.TextChoices):
    """Each kind has its template, ``letters/<value>.html`` (see README.md to add one)."""

    TRIAGE_OFFER = "triage_offer", "Triage: offer of therapy"
    TRIAGE_SIGNPOST = "triage_signpost", "Triage: signposted elsewhere"
    TRIAGE_REFER_ON = "triage_refer_on", "Triage: referred on"
    TRIAGE_DECLINE = "triage_decline", "Triage: not offered therapy"
    TRIAGE_WITHDRAWN = "triage_withdrawn", "Triage: referral withdrawn"
    NOT_CONTACTABLE = "not_contactable", "Could not make contact"
    OPT_IN = "opt_in", "Waiting list: do you still want therapy?"
    ALLOCATION = "allocation", "Allocated to a therapist"
    GOODBYE = "goodbye", "Ending: goodbye letter (DIT)"
    ENDING_SUMMARY = "ending_summary", "Ending: summary of the course"
    DISCHARGE = "discharge", "Ending: discharge letter"
    GROUP_INVITATION = "group_invitation", "Group IPT: invitation to join a group"


class RecipientRole(models.TextChoices):
    PATIENT = "patient", "Patient"
    GP = "gp", "GP"


class LetterQuerySet(QuerySet["Letter"]):
    def for_referral(self, referral: "Referral") -> "LetterQuerySet":
        """The letters about one referral, oldest first."""
        return self.filter(referral=referral).order_by("created_at", "id")


class Letter(models.Model):
    """One letter as produced: its words, and the PDF that was stored and sent.

    The subject, body and PDF are clinical content and are encrypted at rest; the
    recipient's name and address are contact details, kept as the referral keeps them.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30, choices=LetterKind.choices)
    recipient_role = models.CharField(max_length=10, choices=RecipientRole.choices)
    recipient_name = models.CharField(max_length=200)
    recipient_address = models.TextField(help_text="The postal address, one part a line.")
    recipient_email = models.EmailField(blank=True)
    subject = EncryptedCharField(max_length=200)
    body = EncryptedTextField(
        blank=True, help_text="The caller's words: paragraphs between blank lines."
    )
    pdf = EncryptedBinaryField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters_produced",
    )
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        help_text="What the letter is about.",
    )

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.get_recipient_role_display().lower()}"

    @property
    def template_name(self) -> str:
        return f"letters/{self.kind}.html"

    @property
    def filename(self) -> str:
        """What a staff download is saved as: the kind and date, never a name."""
        return f"letter-{self.kind.replace('_', '-')}-{self.local_date().isoformat()}.pdf"

    @property
    def email_filename(self) -> str:
        """The attachment's name: the date alone, as an inbox may be shared."""
        return f"letter-{self.local_date().isoformat()}.pdf"

    def local_date(self) -> dt.date:
        return timezone.localtime(self.created_at).date()

    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.recipient_address.splitlines() if line.strip()]

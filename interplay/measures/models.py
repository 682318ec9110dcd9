"""Instrument definitions as versioned data, and questionnaire responses with their scores."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet

from interplay.lib.encrypted import EncryptedJSONField


class DefinitionSource(models.TextChoices):
    BUILT_IN = "built_in", "Built in"
    FHIR_IMPORT = "fhir_import", "Imported FHIR Questionnaire"


class InstrumentDefinitionQuerySet(QuerySet["InstrumentDefinition"]):
    def active(self) -> "InstrumentDefinitionQuerySet":
        return self.filter(active=True)

    def of(self, code: str) -> "InstrumentDefinitionQuerySet":
        return self.filter(code=code)


class InstrumentDefinition(models.Model):
    """One version of a questionnaire: items, options, scoring, bands and cut-offs as JSON.

    A new version is a new row (code and version are unique together); a response keeps
    the code and version it was answered on, so retiring or adding a version rewrites no
    score. Built-ins are seeded by a data migration; a service adds an instrument it holds
    a licence for by importing a FHIR Questionnaire (``services.import_questionnaire``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=32)
    version = models.CharField(max_length=16)
    definition = models.JSONField(help_text="The instrument in instruments.to_dict's shape.")
    active = models.BooleanField(default=True, help_text="Offered for new responses.")
    source = models.CharField(max_length=16, choices=DefinitionSource.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentDefinitionQuerySet.as_manager()

    class Meta:
        ordering = ["code", "imported_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_instrument_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    @property
    def name(self) -> str:
        return str(self.definition.get("name", self.code))

    def instrument(self) -> Any:
        """The definition as the ``Instrument`` dataclass that scoring reads."""
        from interplay.measures.instruments import from_dict

        return from_dict(self.definition)


class ResponseSource(models.TextChoices):
    SELF_REFERRAL = "self_referral", "Self-referral form"
    PORTAL = "portal", "Patient portal"
    IN_SESSION = "in_session", "Entered in session"
    PAPER = "paper", "Paper form"


class ResponseQuerySet(QuerySet["QuestionnaireResponse"]):
    def of(self, instrument_code: str) -> "ResponseQuerySet":
        return self.filter(instrument_code=instrument_code)


class QuestionnaireResponse(models.Model):
    """One completion of one instrument. Keeps the instrument version it was answered on."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instrument_code = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=16)
    # Encrypted at rest (item 9 above all); total, band and the flags stay plain, for the
    # figures and the alerts. No query can look inside: read the value in Python.
    answers = EncryptedJSONField(help_text="Item number (as text) to the value chosen.")
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=40)
    complete = models.BooleanField()
    at_caseness = models.BooleanField(default=False)
    risk_flagged = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=ResponseSource.choices)
    answered_at = models.DateTimeField()
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responses",
    )
    # Answers given during a course: for the session they were due before (portal) or
    # entered in (in session). The course is kept even if the session is later moved.
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responses",
    )
    appointment = models.ForeignKey(
        "courses.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
    )
    entered_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who typed answers given on paper or aloud.",
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["answered_at", "id"]
        indexes = [models.Index(fields=["course", "instrument_code", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.total if self.complete else 'incomplete'}"

    def answer(self, item_number: int) -> int | None:
        value = self.answers.get(str(item_number))
        return int(value) if value is not None else None

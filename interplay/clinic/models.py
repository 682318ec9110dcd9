"""The service's own words and choices, editable by an administrator without a deploy."""

import copy
import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from interplay.lib import phones
from interplay.lib.dates import bank_holidays
from interplay.lib.shortcache import ShortCache

_settings = ShortCache()

DEFAULT_CRISIS_TEXT = """\
This is not an emergency service. If you need help now:
- If your life or someone else's life is at risk, call 999 or go to A&E.
- Call NHS 111 and choose option 2 for mental health crisis support, day or night.
- Call Samaritans free on 116 123, at any time.
- Text SHOUT to 85258 for free, confidential text support.
- If you are worried about how you are feeling, contact your GP."""

DEFAULT_NEXT_STEPS = """\
A member of our team will read your referral and contact you within 5 working days \
to talk about what might help. If we cannot reach you, we will write to you."""

DEFAULT_PRIVACY_NOTICE = """\
We use what you tell us to assess and provide talking therapy. It is kept securely \
and seen only by the staff involved in your care. We share it with your GP only if you \
agree below, or where we must to keep you or someone else safe."""


class ServiceSettings(models.Model):
    """One row: the service's name and the texts its public pages show."""

    name = models.CharField(max_length=120, default="Interplay Talking Therapies")
    phone = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text="Printed on letters and pages for people to call. For example, 0113 496 0000.",
    )
    crisis_text = models.TextField(
        default=DEFAULT_CRISIS_TEXT,
        help_text="Shown to anyone who says they are not safe, and after a risk disclosure.",
    )
    next_steps_text = models.TextField(default=DEFAULT_NEXT_STEPS)
    privacy_notice = models.TextField(default=DEFAULT_PRIVACY_NOTICE)
    minimum_referral_age = models.PositiveSmallIntegerField(
        default=18,
        help_text="docs/clinical-rules.md 6.1: services use 16, 17 years 9 months or 18.",
    )
    area_postcode_prefixes = models.CharField(
        max_length=500,
        blank=True,
        default="",
        help_text="Comma-separated postcode districts this service covers (e.g. 'LS1, LS2'). "
        "Leave blank to accept every area.",
    )
    wait_boundary_inclusive = models.BooleanField(
        default=True,
        help_text="Whether a wait of exactly 6 (or 18) weeks counts as within the standard "
        "(docs/clinical-rules.md 5.6: unverified in the sources).",
    )
    breach_warning_days = models.PositiveSmallIntegerField(
        default=7, help_text="Warn this many days before a waiting-time standard is missed."
    )
    contact_attempts_before_letter = models.PositiveSmallIntegerField(
        default=2,
        help_text="Failed attempts in a row before a 'we could not reach you' letter is sent.",
    )
    retention_years = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1)],
        help_text="Years after a person's last contact before `manage.py apply_retention` "
        "anonymises their record. 8 is the usual minimum for adult mental health records in "
        "the NHS records retention schedule (Records Management Code of Practice); set your "
        "organisation's own period here.",
    )
    nation = models.CharField(
        max_length=3,
        choices=[
            ("ENG", "England"),
            ("WLS", "Wales"),
            ("SCT", "Scotland"),
            ("NIR", "Northern Ireland"),
        ],
        default="ENG",
        help_text="Whose bank holidays close the service.",
    )
    questionnaire_window_hours = models.PositiveSmallIntegerField(
        default=72,
        validators=[MinValueValidator(1)],
        help_text="Questionnaires for a session open in the patient portal this many hours "
        "before it.",
    )
    alert_escalation_working_days = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="A risk alert not acknowledged within this many working days escalates to "
        "the therapist's supervisor.",
    )
    mixed_change_rule = models.CharField(
        max_length=20,
        choices=[
            ("deterioration", "Counts as reliable deterioration, not improvement (CORC)"),
            ("no_change", "Counts as neither improvement nor deterioration"),
        ],
        default="deterioration",
        help_text="How to classify a course where one measure reliably improves and the other "
        "reliably worsens (docs/clinical-rules.md 5.4: unverified for NHS Talking Therapies).",
    )
    ipaf_defensive_function = models.BooleanField(
        default=True,
        help_text="Whether a DIT focus records the defensive function, the fourth part of the "
        "interpersonal-affective focus as commonly taught (docs/clinical-rules.md 2.2: "
        "unverified in published summaries).",
    )
    backdate_window_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="How many days back a session may be booked or moved to, with a reason, to "
        "record a session that really happened. 0 refuses every date in the past.",
    )
    group_minimum_members = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(2)],
        help_text="A new IPT group starts only once this many invited people have accepted "
        "(a group may set its own).",
    )
    urgent_triage_working_days = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="An urgent referral still waiting for triage after this many working days "
        "stands out in the triage queue.",
    )
    out_of_area_text = models.TextField(
        default="Your postcode is outside the area we cover. Your GP can tell you about the "
        "talking therapies service for where you live, or search the NHS website for "
        "'NHS Talking Therapies'.",
    )

    class Meta:
        verbose_name = "service settings"
        verbose_name_plural = "service settings"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        """Keep the phone number in E.164, refusing one that is not a whole number."""
        if self.phone:
            try:
                self.phone = phones.normalise(self.phone)
            except phones.InvalidPhoneNumber:
                message = f"Enter a phone number with its area code, like {phones.EXAMPLE}"
                raise ValidationError({"phone": message}) from None

    @classmethod
    def load(cls) -> "ServiceSettings":
        """The one row (made on first use). Read on nearly every page, so kept for a few
        seconds per process (``interplay.lib.shortcache``); each caller gets its own copy."""
        kept: ServiceSettings = _settings.get("row", cls._read)
        return copy.copy(kept)

    @classmethod
    def _read(cls) -> "ServiceSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def covers_postcode(self, postcode: str) -> bool:
        prefixes = [p.strip().upper() for p in self.area_postcode_prefixes.split(",") if p.strip()]
        if not prefixes:
            return True
        district = postcode.upper().split()[0] if postcode.strip() else ""
        return district in prefixes

    def closed_days(self, since: dt.date) -> set[dt.date]:
        """The days from ``since`` into next year that are not working days besides
        weekends: the nation's bank holidays and the service's own closures."""
        days = set(bank_holidays(self.nation, range(since.year, since.year + 2)))
        days.update(day for day in closure_dates() if day >= since)
        return days

    def crisis_lines(self) -> list[str]:
        return [line.lstrip("- ").strip() for line in self.crisis_text.splitlines() if line.strip()]


_settings.forget_on_change(ServiceSettings)


class Room(models.Model):
    """A room sessions are held in. A room holds one session at a time."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Closure(models.Model):
    """A day the service is closed beyond the bank holidays (training days, moves)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.reason}"


def closure_dates() -> tuple[dt.date, ...]:
    """Every closure's date. Read by the lists that count working days on every request,
    so kept for a few seconds per process, as the settings are (``interplay.lib.shortcache``):
    a closure added or removed is seen at once by the process that made the change."""
    kept: tuple[dt.date, ...] = _settings.get(
        "closures", lambda: tuple(Closure.objects.values_list("date", flat=True))
    )
    return kept


_settings.forget_on_change(Closure)


class JobRetry(models.Model):
    """A failed background job an administrator sent again (``services.retry_job``).

    One per failed job, so a retry sent twice enqueues once; the failed job's own row
    (django-tasks-db's result, with its traceback) is kept as it was.
    """

    failed_job = models.OneToOneField(
        "django_tasks_database.DBTaskResult", on_delete=models.CASCADE, related_name="retry"
    )
    new_job_id = models.CharField(max_length=64, help_text="The id of the job enqueued again.")
    retried_at = models.DateTimeField(auto_now_add=True)
    retried_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Retry of job {self.failed_job_id}"


class RateCount(models.Model):
    """One rate-limit counter: a key (client, group and time window) and its count so far.

    Written only through ``interplay.clinic.ratecache.CounterCache``, which gives each
    counter its own row so a request reads and bumps one indexed row, whatever the table
    holds. ``expires`` is in Unix seconds.
    """

    key = models.CharField(max_length=250, primary_key=True)
    value = models.BigIntegerField()
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        db_table = "interplay_rate_count"

    def __str__(self) -> str:
        return self.key

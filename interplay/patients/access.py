"""How a patient proves who they are to the portal: a one-time emailed link, their date
of birth, and optionally an authenticator app.

A link is single use and short-lived. A link the patient asks for lasts
``PORTAL_LINK_MINUTES`` (30 by default); a link in a session reminder lasts until that
session starts, because the reminder arrives two days before and the questionnaires are
answered in between. Opening a link changes nothing (mail scanners open links): the date
of birth, posted, is what uses it. Five wrong dates spend the link.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from interplay.audit.actors import PatientActor
from interplay.audit.services import record
from interplay.clinic.models import ServiceSettings
from interplay.lib import totp
from interplay.lib.crypto import encrypt_text
from interplay.lib.errors import RuleViolation
from interplay.patients.models import (
    ConsentKind,
    Patient,
    PatientAuthenticator,
    SignInLink,
)

# At most this many links asked for in an hour, per patient: enough for a lost email,
# too few to flood an inbox.
LINKS_PER_HOUR = 3
TOTP_MAX_FAILURES = 5
TOTP_LOCK = dt.timedelta(minutes=15)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _safe_next(path: str) -> str:
    """Only a path inside the portal: a link must never send anyone elsewhere."""
    parts = urlsplit(path)
    portal = reverse("portal:home")
    if parts.scheme or parts.netloc or not parts.path.startswith(portal) or "//" in path:
        return ""
    return path


def may_email(patient: Patient) -> bool:
    """An address, on a record still in use, with consent to email not withdrawn."""
    if not patient.email or patient.anonymised_at or patient.merged_into_id:
        return False
    current = {c.kind: c.given for c in patient.consents.current_for(patient)}
    return current.get(ConsentKind.EMAIL_CONTACT, True)


def issue_link(patient: Patient, *, expires_at: dt.datetime, next_path: str = "") -> str:
    """Make a link for ``patient`` and return its secret (for the email only)."""
    token = secrets.token_urlsafe(32)
    SignInLink.objects.create(
        patient=patient,
        token_hash=_hash(token),
        expires_at=expires_at,
        next_path=_safe_next(next_path),
    )
    return token


def link_url(token: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("portal:link", args=[token])


def ask_for_link(*, email: str) -> None:
    """Queue a sign-in link for ``email``: the lookup and the email happen in the
    background, so the answer takes the same time whether the address is known or not
    (ASVS 2.5: no account enumeration by timing)."""
    from interplay.patients.tasks import send_sign_in_link

    send_sign_in_link.enqueue(encrypt_text(email))


def request_link(*, email: str) -> bool:
    """Email a sign-in link to the patient with this address, if there is exactly one.

    The caller shows the same words whatever happens, so the form never tells anyone
    whether an address is known. Returns whether an email was sent (for tests).
    """
    now = timezone.now()
    with transaction.atomic():
        matches = list(Patient.objects.current().with_email(email)[:2])
        if len(matches) != 1 or not may_email(matches[0]):
            return False
        patient = matches[0]
        recent = patient.sign_in_links.filter(created_at__gt=now - dt.timedelta(hours=1))
        if recent.count() >= LINKS_PER_HOUR:
            return False
        minutes = settings.PORTAL_LINK_MINUTES
        token = issue_link(patient, expires_at=now + dt.timedelta(minutes=minutes))
        record(actor=PatientActor(patient), action="portal.link_sent", obj=patient)
        context = {
            "patient": patient,
            "url": link_url(token),
            "minutes": minutes,
            "service": ServiceSettings.load(),
        }
        transaction.on_commit(lambda: _send(patient.email, context))
    return True


def _send(address: str, context: dict[str, object]) -> None:
    subject = f"Sign in to {context['service']}"
    message = EmailMultiAlternatives(
        subject,
        render_to_string("patients/email/sign_in_link.txt", context),
        to=[address],
    )
    message.attach_alternative(
        render_to_string("patients/email/sign_in_link.html", context), "text/html"
    )
    message.send()


def find_link(token: str) -> SignInLink | None:
    """The usable link with this secret, or None (unknown, used, expired or spent)."""
    return (
        SignInLink.objects.usable(timezone.now())
        .select_related("patient")
        .filter(token_hash=_hash(token), patient__merged_into__isnull=True)
        .first()
    )


@dataclass(frozen=True)
class SignIn:
    patient: Patient
    next_path: str
    needs_authenticator: bool


def use_link(*, token: str, date_of_birth: dt.date) -> SignIn:
    """Spend the link if ``date_of_birth`` is the patient's; RuleViolation otherwise."""
    with transaction.atomic():
        link = (
            SignInLink.objects.select_for_update()
            .usable(timezone.now())
            .select_related("patient")
            .filter(token_hash=_hash(token))
            .first()
        )
        if link is None:
            raise RuleViolation("This link has expired or has already been used.")
        patient = link.patient
        wrong = patient.date_of_birth != date_of_birth
        if wrong:
            # Counted in this transaction, which commits: the refusal is raised after it.
            link.wrong_dates += 1
            if link.wrong_dates >= SignInLink.MAX_WRONG_DATES:
                link.used_at = timezone.now()
            link.save(update_fields=["wrong_dates", "used_at"])
            record(actor=PatientActor(patient), action="portal.wrong_date_of_birth", obj=patient)
    if wrong:
        raise RuleViolation("That date of birth does not match our records.")
    with transaction.atomic():
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        needs_app = PatientAuthenticator.objects.filter(patient=patient, confirmed=True).exists()
        record(
            actor=PatientActor(patient),
            action="portal.signed_in",
            obj=patient,
            detail={"authenticator": needs_app},
        )
    return SignIn(patient=patient, next_path=link.next_path, needs_authenticator=needs_app)


def _totp(device: PatientAuthenticator) -> TOTP:
    return TOTP(bytes.fromhex(device.key))


def pending_authenticator(patient: Patient) -> PatientAuthenticator:
    """The patient's authenticator being set up (a fresh secret the first time)."""
    with transaction.atomic():
        device, created = PatientAuthenticator.objects.get_or_create(
            patient=patient, defaults={"key": totp.new_key()}
        )
        if created:
            record(actor=PatientActor(patient), action="portal.authenticator_started", obj=patient)
    return device


def config_url(device: PatientAuthenticator, service_name: str) -> str:
    return totp.otpauth_url(device.key, issuer=service_name, account="portal")


def check_code(*, patient: Patient, code: str, confirming: bool = False) -> None:
    """Accept a current code from the patient's app once; RuleViolation otherwise.

    Wrong codes are counted: after five the app is locked for 15 minutes. ``confirming``
    accepts a code from the app being set up and marks it confirmed.
    """
    now = timezone.now()
    with transaction.atomic():
        device = PatientAuthenticator.objects.select_for_update().get(patient=patient)
        if device.confirmed == confirming:
            raise RuleViolation("There is no authenticator app to check.")
        if device.locked_until and device.locked_until > now:
            raise RuleViolation("Too many wrong codes. Try again in 15 minutes.")
        generator = _totp(device)
        cleaned = code.replace(" ", "")
        if cleaned.isdigit() and generator.verify(
            int(cleaned), tolerance=1, min_t=device.last_t + 1
        ):
            device.last_t, device.failures, device.locked_until = generator.t(), 0, None
            device.confirmed = True
            device.save()
            action = "portal.authenticator_added" if confirming else "portal.authenticator_used"
            record(actor=PatientActor(patient), action=action, obj=patient)
            return
        device.failures += 1
        if device.failures >= TOTP_MAX_FAILURES:
            device.failures, device.locked_until = 0, now + TOTP_LOCK
        device.save()
        record(actor=PatientActor(patient), action="portal.wrong_code", obj=patient)
    raise RuleViolation("That code is not right. Enter the 6 numbers your app shows now.")


def remove_authenticator(*, patient: Patient) -> None:
    with transaction.atomic():
        PatientAuthenticator.objects.filter(patient=patient).delete()
        record(actor=PatientActor(patient), action="portal.authenticator_removed", obj=patient)

"""Background jobs for referrals, through the django.tasks API."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from interplay.clinic.models import ServiceSettings


@task()
def send_referral_acknowledgement(referral_public_id: str) -> bool:
    """Email the person their reference and what happens next. Sends at most once.

    The email names no symptom or answer: an inbox may be shared.
    """
    from interplay.referrals.models import Referral

    with transaction.atomic():
        claimed = Referral.objects.filter(
            Q(public_id=referral_public_id), acknowledgement_sent_at__isnull=True
        ).update(acknowledgement_sent_at=timezone.now())
        if not claimed:
            return False
        referral = Referral.objects.get(public_id=referral_public_id)
        context = {"referral": referral, "service": ServiceSettings.load()}
        message = EmailMultiAlternatives(
            subject=f"We have received your referral ({referral.reference})",
            body=render_to_string("referrals/email/acknowledgement.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[referral.email],
        )
        message.attach_alternative(
            render_to_string("referrals/email/acknowledgement.html", context), "text/html"
        )
        # Sending inside the transaction: if the mail server refuses, the claim rolls
        # back and a retry of the job sends it.
        message.send()
    return True

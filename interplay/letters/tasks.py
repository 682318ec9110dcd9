"""Background jobs for letters, through the django.tasks API."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter
from interplay.letters.rendering import phone_for_people


@task()
def email_letter(letter_public_id: str) -> bool:
    """Email the letter's PDF to its recipient. Sends at most once.

    The subject, the email's words and the attachment's name say only that a letter from
    the service is attached: an inbox may be shared, and the letter itself is the PDF.
    """
    with transaction.atomic():
        claimed = (
            Letter.objects.filter(public_id=letter_public_id, emailed_at__isnull=True)
            .exclude(recipient_email="")
            .update(emailed_at=timezone.now())
        )
        if not claimed:
            return False
        letter = Letter.objects.get(public_id=letter_public_id)
        service = ServiceSettings.load()
        context = {"service": service, "phone": phone_for_people(service.phone)}
        message = EmailMultiAlternatives(
            subject=f"A letter from {service.name}",
            body=render_to_string("letters/email/letter.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[letter.recipient_email],
        )
        message.attach_alternative(
            render_to_string("letters/email/letter.html", context), "text/html"
        )
        message.attach(letter.email_filename, bytes(letter.pdf), "application/pdf")
        # Sending inside the transaction: if the mail server refuses, the claim rolls
        # back and a retry of the job sends it.
        message.send()
    return True

"""Background jobs for the audit trail, through the django.tasks API."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse

from interplay.accounts.roles import Role


@task()
def alert_refusal_burst(actor_label: str, refusals: int, minutes: int) -> int:
    """Email every active administrator that one account was refused many times.

    Names the account and the count only: no record, no path, nothing clinical. Returns
    how many were emailed.
    """
    administrators = (
        get_user_model()
        .objects.filter(is_active=True, role_assignments__role=Role.ADMINISTRATOR)
        .exclude(email="")
        .distinct()
    )
    sent = 0
    for user in administrators:
        context = {
            "user": user,
            "account": actor_label,
            "refusals": refusals,
            "minutes": minutes,
            "url": settings.BASE_URL.rstrip("/") + reverse("audit:events"),
        }
        message = EmailMultiAlternatives(
            "Interplay: one account was refused many times",
            render_to_string("audit/email/refusal_burst.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("audit/email/refusal_burst.html", context), "text/html"
        )
        message.send()
        sent += 1
    return sent

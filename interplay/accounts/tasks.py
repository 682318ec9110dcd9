"""Background jobs for staff accounts, through the django.tasks API."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from interplay.audit.models import AuditEvent
from interplay.audit.services import record
from interplay.lib.crypto import decrypt_text

# At most this many reset emails an hour per account, like portal links: enough for a
# lost email, too few to flood an inbox.
RESETS_PER_HOUR = 3
SENT = "auth.password_reset_sent"


class _ResetSender(PasswordResetForm):
    """Django's reset email, to each active account with the address that is under its
    hourly limit; each one sent is audited (which is also what the limit counts)."""

    def get_users(self, email: str) -> Iterator[Any]:
        since = timezone.now() - dt.timedelta(hours=1)
        for user in super().get_users(email):
            sent = AuditEvent.objects.about(user).by_action(SENT).filter(at__gt=since)
            if sent.count() >= RESETS_PER_HOUR:
                continue
            with transaction.atomic():
                record(actor=None, action=SENT, obj=user)
            yield user


@task()
def send_password_reset(sealed_email: str) -> None:
    """Email a reset link to the accounts with this address, if any.

    Runs in the background so the request answers in the same time whether the address
    is known or not. The link starts with ``INTERPLAY_BASE_URL``, never the request's
    Host header. The address travels sealed: the job queue's table holds none readable.
    """
    form = _ResetSender({"email": decrypt_text(sealed_email, what="a queued address")})
    if not form.is_valid():
        return
    scheme, _, rest = settings.BASE_URL.partition("://")
    form.save(
        domain_override=rest.rstrip("/"),
        use_https=scheme == "https",
        subject_template_name="accounts/email/password_reset_subject.txt",
        email_template_name="accounts/email/password_reset.txt",
        html_email_template_name="accounts/email/password_reset.html",
        extra_email_context={"base_url": settings.BASE_URL.rstrip("/")},
    )

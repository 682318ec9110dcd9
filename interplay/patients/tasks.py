"""Background jobs for patients' records, through the django.tasks API."""

from django.tasks import task

from interplay.lib.crypto import decrypt_text


@task()
def send_sign_in_link(sealed_email: str) -> bool:
    """Look up the address a portal link was asked for and email the link if it is a
    patient's (``access.request_link``). The address travels sealed: the job queue's
    table holds no readable address, known or not."""
    from interplay.patients import access

    return access.request_link(email=decrypt_text(sealed_email, what="a queued address"))

"""Claiming a scheduled job's period, so that two workers (or two schedulers) never
double a job whose effect is not idempotent on its own."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from interplay.schedules.models import ScheduledRun


def today() -> str:
    """The period of a daily job: the service's local date."""
    return timezone.localdate().isoformat()


@contextmanager
def claimed(job: str, period: str) -> Iterator[bool]:
    """True for the one run that claims ``job`` for ``period``, False for any other.

    The claim is committed before the work starts, so a second worker sees it at once;
    if the work then fails, the claim is given back so that a retry may run.
    """
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job, period=period)
    except IntegrityError:
        yield False
        return
    try:
        yield True
    except BaseException:
        run.delete()
        raise

"""A scheduled job's run, claimed once per period so that no run's effect is doubled."""

from django.db import models


class ScheduledRun(models.Model):
    """One period's run of a job whose effect a second run would repeat (a second anchor
    line, a second backup): the unique pair (job, period) lets only one worker have it."""

    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="one_run_per_job_and_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"

"""Which first screen a person with several roles chose to start the day on."""

from django.conf import settings
from django.db import models

from interplay.accounts.roles import Role


class FirstScreenChoice(models.Model):
    """One per person; kept across sign-ins. Set through ``services.choose_first_screen``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="first_screen_choice"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    chosen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} starts on the {self.get_role_display()} screen"

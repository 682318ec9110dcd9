from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "interplay.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from interplay import checks  # noqa: F401  (registers the system checks)
        from interplay.accounts import signals  # noqa: F401

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "interplay.clinic"
    label = "clinic"
    verbose_name = "Service settings"

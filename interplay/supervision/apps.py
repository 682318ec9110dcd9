from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "interplay.supervision"
    label = "supervision"
    verbose_name = "Supervision"

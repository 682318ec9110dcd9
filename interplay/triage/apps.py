from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "interplay.triage"
    label = "triage"
    verbose_name = "Triage"

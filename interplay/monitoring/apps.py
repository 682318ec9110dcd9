from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "interplay.monitoring"
    label = "monitoring"
    verbose_name = "Outcome monitoring and risk alerts"

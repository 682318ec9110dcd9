from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "interplay.reports"
    label = "reports"
    verbose_name = "Service figures and supervision"

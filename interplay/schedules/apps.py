from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "interplay.schedules"
    label = "schedules"
    verbose_name = "Periodic jobs"

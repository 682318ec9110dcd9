from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "interplay.today"
    label = "today"
    verbose_name = "Each person's first screen"

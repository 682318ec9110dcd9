from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "interplay.progress"
    label = "progress"
    verbose_name = "Problems, tasks and endings"

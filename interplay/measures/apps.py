from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "interplay.measures"
    label = "measures"
    verbose_name = "Outcome measures"

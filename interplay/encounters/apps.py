from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "interplay.encounters"
    label = "encounters"
    verbose_name = "Session records"

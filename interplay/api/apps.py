from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "interplay.api"
    label = "api"
    verbose_name = "API and FHIR"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "interplay.api"
    label = "api"
    verbose_name = "API and FHIR"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from interplay.api.fhir.export import write_bundles
        from interplay.clinic import export

        export.add_part("fhir_bundles", write_bundles)

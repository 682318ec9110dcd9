from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ClinicConfig(AppConfig):
    name = "interplay.clinic"
    label = "clinic"
    verbose_name = "Service settings"

    def ready(self) -> None:
        from interplay.clinic.files import seal_sqlite_files

        connection_created.connect(seal_sqlite_files, dispatch_uid="seal_sqlite_files")

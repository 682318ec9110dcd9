from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "interplay.patients"
    label = "patients"
    verbose_name = "Patients"

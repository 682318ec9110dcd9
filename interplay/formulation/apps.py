from django.apps import AppConfig


class FormulationConfig(AppConfig):
    name = "interplay.formulation"
    label = "formulation"
    verbose_name = "Formulation"

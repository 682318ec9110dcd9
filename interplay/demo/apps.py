from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "interplay.demo"
    label = "demo"
    verbose_name = "Synthetic demo data"

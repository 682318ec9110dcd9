from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "interplay.portal"
    label = "portal"
    verbose_name = "Patient portal"

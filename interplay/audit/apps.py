from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "interplay.audit"
    label = "audit"
    verbose_name = "Audit trail"

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from interplay.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the trail is evidence, so the admin can search it but never change it.

    The audit viewer at /audit/ filters it for administrators; this list is the fallback.
    """

    list_display = [
        "sequence",
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "client_address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "request_id"]
    date_hierarchy = "at"
    list_select_related = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

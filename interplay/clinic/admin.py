from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from interplay.audit.services import record
from interplay.clinic.models import ServiceSettings


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ServiceSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action="service_settings.changed",
            obj=obj,
            detail={"fields": sorted(form.changed_data)},
        )

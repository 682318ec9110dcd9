from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from interplay.clinic import services
from interplay.clinic.models import ServiceSettings


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ServiceSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.change_service_settings(
            actor=request.user,  # type: ignore[arg-type]
            settings=obj,
            changed=list(form.changed_data),
        )

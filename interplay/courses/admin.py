"""Administrators define the service's own protocols here; the definition is checked by
building the protocol, so a broken one is refused beside the field."""

import dataclasses
import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from interplay.audit.services import record
from interplay.courses import protocols
from interplay.courses.models import ServiceProtocol

EXAMPLE = json.dumps(dataclasses.asdict(protocols.BUILT_IN["ipt12"]), indent=2)


class ServiceProtocolForm(forms.ModelForm):
    class Meta:
        model = ServiceProtocol
        fields = ["code", "version", "active", "definition"]
        help_texts = {
            "definition": "The protocol as JSON, in the same shape as this built-in one:\n"
            + EXAMPLE[:400]
            + " ..."
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        definition = data.get("definition")
        if isinstance(definition, dict):
            definition = {**definition, "code": data.get("code"), "version": data.get("version")}
            try:
                protocols.from_dict(definition)
            except (KeyError, TypeError, ValueError) as error:
                self.add_error("definition", f"This is not a valid protocol: {error}")
            else:
                data["definition"] = definition
        elif definition is not None:
            self.add_error("definition", "Give the protocol as a JSON object.")
        if data.get("code") in protocols.BUILT_IN:
            self.add_error("code", "That code belongs to a built-in protocol: choose another.")
        return data


@admin.register(ServiceProtocol)
class ServiceProtocolAdmin(admin.ModelAdmin):
    form = ServiceProtocolForm
    list_display = ["code", "version", "active"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action="protocol.saved",
            detail={"code": obj.code, "version": obj.version, "active": obj.active},
        )

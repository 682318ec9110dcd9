"""Administrators manage staff here. Role and qualification changes go through services."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from interplay.accounts import services
from interplay.accounts.models import (
    AuthenticatorApp,
    BackupCodes,
    ClinicianProfile,
    Qualification,
    RoleAssignment,
    User,
)
from interplay.accounts.roles import Role
from interplay.accounts.rules import qualification_problem
from interplay.lib.errors import RuleViolation


def _saved_through_services(formset: Any) -> None:
    # The services saved the rows (and audited them); the admin's own change message
    # reads these lists, which formset.save() would otherwise have filled.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ["role", "granted_at", "granted_by"]
    readonly_fields = ["granted_at", "granted_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_user(actor=request.user, user=obj, changed=sorted(form.changed_data))  # type: ignore[arg-type]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        for inline_form in formset.forms:
            if not inline_form.has_changed() and inline_form.instance.pk is None:
                continue
            role = Role(inline_form.cleaned_data.get("role") or inline_form.instance.role)
            if inline_form in formset.deleted_forms:
                services.revoke_role(actor=request.user, user=user, role=role)  # type: ignore[arg-type]
            else:
                services.grant_role(actor=request.user, user=user, role=role)  # type: ignore[arg-type]
        _saved_through_services(formset)


class QualificationFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        hours = self.instance.psychodynamic_supervised_hours or 0
        for form in self.forms:
            modality = form.cleaned_data.get("modality") if form.cleaned_data else None
            if modality and not form.cleaned_data.get("DELETE"):
                problem = qualification_problem(modality, hours)
                if problem:
                    form.add_error("modality", problem)


class QualificationInline(admin.TabularInline):
    model = Qualification
    formset = QualificationFormSet
    extra = 0
    fields = ["modality", "expires_on", "granted_at", "granted_by"]
    readonly_fields = ["granted_at", "granted_by"]


class ClinicianProfileForm(forms.ModelForm):
    class Meta:
        model = ClinicianProfile
        fields = [
            "user",
            "registration_body",
            "registration_number",
            "psychodynamic_supervised_hours",
            "caseload_capacity",
            "supervisor",
        ]


@admin.register(ClinicianProfile)
class ClinicianProfileAdmin(admin.ModelAdmin):
    form = ClinicianProfileForm
    inlines = [QualificationInline]
    list_display = ["user", "registration_body", "registration_number", "caseload_capacity"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClinicianProfile]:
        return super().get_queryset(request).select_related("user", "supervisor")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.save_clinician_profile(actor=request.user, profile=obj)  # type: ignore[arg-type]
        except RuleViolation as error:
            messages.error(request, str(error))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        profile = form.instance
        for inline_form in formset.forms:
            modality = (inline_form.cleaned_data or {}).get("modality")
            if not modality:
                continue
            if inline_form in formset.deleted_forms:
                services.revoke_qualification(
                    actor=request.user,  # type: ignore[arg-type]
                    profile=profile,
                    modality=modality,
                )
            elif inline_form.instance.pk is None:
                services.grant_qualification(
                    actor=request.user,  # type: ignore[arg-type]
                    profile=profile,
                    modality=modality,
                    expires_on=inline_form.cleaned_data.get("expires_on"),
                )
            elif "expires_on" in inline_form.changed_data:
                services.set_qualification_expiry(
                    actor=request.user,  # type: ignore[arg-type]
                    qualification=inline_form.instance,
                    expires_on=inline_form.cleaned_data.get("expires_on"),
                )
        _saved_through_services(formset)


DEVICE_FIELDS: tuple[str, ...] = (
    "user",
    "name",
    "confirmed",
    "created_at",
    "last_used_at",
    "failures",
)


class SecondFactorAdmin(admin.ModelAdmin):
    """Who has which second factor, read-only and without the secret.

    An administrator may delete a device (a lost phone) so that its owner sets up a new
    one at their next sign-in; the key and the codes are never shown here.
    """

    fields = DEVICE_FIELDS
    readonly_fields = fields
    list_display = fields
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    @admin.display(description="wrong codes in a row")
    def failures(self, obj: Any) -> int:
        return int(obj.throttling_failure_count)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.remove_second_factor(actor=request.user, device=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for device in queryset:
            services.remove_second_factor(actor=request.user, device=device)  # type: ignore[arg-type]


@admin.register(AuthenticatorApp)
class AuthenticatorAppAdmin(SecondFactorAdmin):
    pass


@admin.register(BackupCodes)
class BackupCodesAdmin(SecondFactorAdmin):
    fields = (*DEVICE_FIELDS, "codes_left")
    readonly_fields = fields
    list_display = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BackupCodes]:
        return super().get_queryset(request).annotate(unused=Count("codes"))

    @admin.display(description="unused codes")
    def codes_left(self, obj: Any) -> int:
        return int(obj.unused)

"""Django admin (reference data and support only), with every change written to the audit log.

The reference models belong to core, which sits below audit; their admin is registered here so
that edits made in Django admin are audited like any other write.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from jigi.audit.services import record
from jigi.core.models import AdminArea, FundingSource, Organisation, Site


class AuditedModelAdmin(admin.ModelAdmin[Any]):
    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool
    ) -> None:
        changes = {
            name: [form.initial.get(name), form.cleaned_data.get(name)]
            for name in form.changed_data
        }
        super().save_model(request, obj, form, change)
        action = "updated" if change else "created"
        actor: Any = request.user
        record(
            actor=actor,
            action=f"admin.{obj._meta.model_name}_{action}",
            target=obj,
            changes=changes,
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        actor: Any = request.user
        record(actor=actor, action=f"admin.{obj._meta.model_name}_deleted", target=obj)
        super().delete_model(request, obj)


@admin.register(AdminArea)
class AdminAreaAdmin(AuditedModelAdmin):
    list_display = ("pcode", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("pcode", "name", "name_folded")
    readonly_fields = ("pcode", "level", "parent", "cod_version")


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "acronym", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "acronym")


@admin.register(Site)
class SiteAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "kind", "area", "organisation", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("area",)


@admin.register(FundingSource)
class FundingSourceAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "donor", "is_active")
    search_fields = ("code", "name")

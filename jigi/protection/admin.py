"""Providers are reference data, edited in the audited Django admin by administrators. Cases
and everything in them are not in the admin: only their pages enforce who may open them."""

from __future__ import annotations

from django.contrib import admin

from jigi.audit.admin import AuditedModelAdmin
from jigi.protection.models import Provider


@admin.register(Provider)
class ProviderAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "area", "site", "budget_amount", "budget_currency", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("area",)

"""Payment agencies, their regions and budgets are reference data: edited in the audited
Django admin by administrators."""

from __future__ import annotations

from django.contrib import admin

from jigi.audit.admin import AuditedModelAdmin
from jigi.payments.models import AgencyAssignment, Budget, PaymentAgency


class AssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AgencyAssignment
    extra = 1


@admin.register(PaymentAgency)
class PaymentAgencyAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "contract_reference", "contract_ends_on", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "contract_reference")
    inlines = (AssignmentInline,)


@admin.register(Budget)
class BudgetAdmin(AuditedModelAdmin):
    list_display = ("programme", "funding_source", "year", "amount_xof")
    list_filter = ("year", "funding_source")

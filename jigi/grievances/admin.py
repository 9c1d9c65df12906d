"""Deadlines by category and assignment rules are reference data: edited in the audited
Django admin by administrators. Complaints themselves are not in the admin (their pages
enforce the sensitive-case rules)."""

from __future__ import annotations

from django.contrib import admin

from jigi.audit.admin import AuditedModelAdmin
from jigi.grievances.models import AssignmentRule, Deadline


@admin.register(Deadline)
class DeadlineAdmin(AuditedModelAdmin):
    list_display = ("category", "days", "escalation_days")


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(AuditedModelAdmin):
    list_display = ("level", "category", "region", "assignee", "is_active")
    list_filter = ("level", "category", "is_active")
    raw_id_fields = ("assignee",)

"""Django admin for reference data and support only; the product UI is elsewhere."""

from django.contrib import admin

from jigi.core.models import AdminArea, FundingSource, Organisation, Site


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin[AdminArea]):
    list_display = ("pcode", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("pcode", "name", "name_folded")
    readonly_fields = ("pcode", "level", "parent", "cod_version")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "acronym", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "acronym")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("name", "code", "kind", "area", "organisation", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("area",)


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin[FundingSource]):
    list_display = ("code", "name", "donor", "is_active")
    search_fields = ("code", "name")

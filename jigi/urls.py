from django.contrib import admin
from django.urls import include, path

from jigi.api.api import api

admin.site.site_header = "Jigi – administration technique"

urlpatterns = [
    path("", include("jigi.core.urls")),
    path("accounts/", include("jigi.accounts.urls")),
    path("audit/", include("jigi.audit.urls")),
    path("registry/", include("jigi.registry.urls")),
    path("imports/", include("jigi.intake.urls")),
    path("duplicates/", include("jigi.dedup.urls")),
    path("programmes/", include("jigi.programmes.urls")),
    path("payments/", include("jigi.payments.urls")),
    path("grievances/", include("jigi.grievances.urls")),
    path("plainte/", include("jigi.grievances.public_urls")),
    path("protection/", include("jigi.protection.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

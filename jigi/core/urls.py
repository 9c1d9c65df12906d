from django.urls import path

from jigi.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("reference/areas/", views.area_list, name="areas"),
    path("reference/areas/<str:pcode>/", views.area_detail, name="area_detail"),
    path("reference/sites/", views.site_list, name="sites"),
    path("reference/sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("reference/organisations/", views.organisation_list, name="organisations"),
    path("reference/funding-sources/", views.funding_source_list, name="funding_sources"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/start/", views.job_start, name="job_start"),
    path("jobs/<str:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<str:job_id>/cancel/", views.job_cancel, name="job_cancel"),
]

from django.urls import path

from jigi.protection import views

app_name = "protection"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("referrals/", views.referral_list, name="referrals"),
    path(
        "referrals/<int:referral_id>/<str:action>/", views.referral_action, name="referral_action"
    ),
    path("providers/", views.provider_list, name="providers"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics.xlsx", views.statistics_export, name="statistics_export"),
    path("exit/", views.quick_exit, name="exit"),
    path("audit/", views.audit_page, name="audit"),
    path("cases/<str:code>/", views.case_detail, name="detail"),
    path("cases/<str:code>/audit/", views.case_audit, name="case_audit"),
    path("cases/<str:code>/<str:action>/", views.case_action, name="action"),
]

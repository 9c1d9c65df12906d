from django.urls import path

from jigi.grievances import views

app_name = "grievances"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("recorded/", views.recorded, name="recorded"),
    path("sensitive/", views.sensitive_list, name="sensitive"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export, name="export"),
    path("bulk/", views.bulk, name="bulk"),
    path("escalate/", views.escalate, name="escalate"),
    path("offers/<int:offer_id>/<str:action>/", views.offer_action, name="offer_action"),
    path("<str:code>/", views.complaint_detail, name="detail"),
    path("<str:code>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<str:code>/<str:action>/", views.complaint_action, name="action"),
]

from django.urls import path

from jigi.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.household_list, name="households"),
    path("export/", views.household_export, name="export"),
    path("areas/", views.area_options, name="area_options"),
    path("change-requests/", views.change_request_list, name="change_requests"),
    path(
        "change-requests/<int:request_id>/",
        views.change_request_detail,
        name="change_request_detail",
    ),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/exit/", views.member_exit, name="member_exit"),
    path("members/<int:member_id>/documents/new/", views.document_add, name="document_add"),
    path("documents/<int:document_id>/remove/", views.document_remove, name="document_remove"),
    path("<str:code>/", views.household_detail, name="household_detail"),
    path("<str:code>/edit/", views.household_edit, name="household_edit"),
    path("<str:code>/members/new/", views.member_add, name="member_add"),
    path("<str:code>/move/", views.household_move, name="household_move"),
    path("<str:code>/split/", views.household_split, name="household_split"),
    path("<str:code>/head/", views.household_head, name="household_head"),
]

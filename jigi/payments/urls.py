from django.urls import path

from jigi.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.cycle_list, name="cycles"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("<int:cycle_id>/", views.cycle_detail, name="cycle"),
    path(
        "<int:cycle_id>/<str:action>/",
        views.cycle_action,
        name="cycle_action",
    ),
]

from django.urls import path

from jigi.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.cycle_list, name="cycles"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("budgets/", views.budget_list, name="budgets"),
    path("agencies/", views.agency_list, name="agencies"),
    path("<int:cycle_id>/", views.cycle_detail, name="cycle"),
    path("<int:cycle_id>/file/", views.cycle_file, name="cycle_file"),
    path("<int:cycle_id>/compliance/", views.cycle_compliance, name="cycle_compliance"),
    path("<int:cycle_id>/returns/", views.cycle_returns, name="cycle_returns"),
    path("<int:cycle_id>/returns/<int:returns_id>/", views.returns_detail, name="returns"),
    path(
        "<int:cycle_id>/<str:action>/",
        views.cycle_action,
        name="cycle_action",
    ),
]

from django.urls import path

from jigi.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("enrolments/", views.enrolment_list, name="enrolments"),
    path("enrolments/<int:enrolment_id>/", views.enrolment_detail, name="enrolment"),
    path("<slug:code>/", views.programme_detail, name="detail"),
    path("<slug:code>/edit/", views.programme_edit, name="edit"),
    path("<slug:code>/launch/", views.programme_launch, name="launch"),
    path("<slug:code>/formulas/new/", views.formula_create, name="formula_create"),
    path("<slug:code>/runs/new/", views.run_create, name="run_create"),
    path("<slug:code>/runs/<int:run_id>/", views.run_detail, name="run"),
    path("<slug:code>/runs/<int:run_id>/compare/", views.run_compare, name="run_compare"),
    path("<slug:code>/runs/<int:run_id>/adopt/", views.run_adopt, name="run_adopt"),
    path("<slug:code>/list/", views.validation_villages, name="validation"),
    path("<slug:code>/list/add/", views.add_household, name="add_household"),
    path("<slug:code>/list/entries/<int:score_id>/", views.decide, name="decide"),
    path("<slug:code>/list/<str:commune>/<path:village>/", views.village_list, name="village"),
    path("<slug:code>/enrol/", views.bulk_enrol, name="bulk_enrol"),
    path("<slug:code>/enrol-one/", views.enrol_one, name="enrol_one"),
    path("<slug:code>/emergency/", views.emergency_create, name="emergency"),
    path(
        "<slug:code>/priority-referrals/<int:referral_id>/",
        views.priority_referral_settle,
        name="priority_referral",
    ),
]

"""The public pages: the complaint form and the status page, open without an account."""

from django.urls import path

from jigi.grievances import views

app_name = "public_grievances"

urlpatterns = [
    path("", views.public_form, name="form"),
    path("suivi/", views.public_status, name="status"),
]

from django.urls import path

from jigi.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("new/", views.batch_new, name="batch_new"),
    path("<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("<int:batch_id>/commit/", views.batch_commit, name="batch_commit"),
    path("<int:batch_id>/abandon/", views.batch_abandon, name="batch_abandon"),
    path("<int:batch_id>/retry/", views.batch_retry, name="batch_retry"),
    path("<int:batch_id>/errors.<str:file_format>", views.batch_errors, name="batch_errors"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/new/", views.mapping_edit, name="mapping_new"),
    path("mappings/<int:template_id>/", views.mapping_edit, name="mapping_edit"),
]

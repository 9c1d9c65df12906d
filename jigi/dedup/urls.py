from django.urls import path

from jigi.dedup import views

app_name = "dedup"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("register/", views.register_household, name="register"),
    path("pairs/<int:pair_id>/", views.pair_detail, name="pair"),
    path("pairs/<int:pair_id>/decide/", views.pair_decide, name="pair_decide"),
    path("pairs/<int:pair_id>/merge/", views.pair_merge, name="pair_merge"),
    path(
        "pairs/<int:pair_id>/merge-households/",
        views.pair_merge_households,
        name="pair_merge_households",
    ),
    path("merges/", views.merge_list, name="merges"),
    path(
        "merges/households/<int:merge_id>/undo/",
        views.household_merge_undo,
        name="household_merge_undo",
    ),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge_undo"),
    path("model/", views.model_page, name="model"),
    path("model/run/", views.run_start, name="run"),
    path("model/train/", views.train, name="train"),
]

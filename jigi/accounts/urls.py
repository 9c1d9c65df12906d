from django.contrib.auth import views as auth_views
from django.urls import path

from jigi.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="language"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/active/", views.user_set_active, name="user_set_active"),
    path(
        "users/<int:user_id>/reset-password/", views.user_reset_password, name="user_reset_password"
    ),
    path("users/<int:user_id>/tokens/", views.user_token_create, name="user_token_create"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

from django.urls import path

from . import views_auth

app_name = "accounts"

urlpatterns = [
    path("login/", views_auth.login_view, name="login"),
    path("mfa/", views_auth.mfa_view, name="mfa"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("password/", views_auth.password_change_view, name="password_change"),
    path("role/", views_auth.role_switch_view, name="role_switch"),
]

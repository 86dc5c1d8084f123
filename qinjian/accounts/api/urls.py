from django.urls import path

from . import views

app_name = "auth-api"

urlpatterns = [
    path("token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
]

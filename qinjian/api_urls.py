"""Every app's API under /api/."""

from django.urls import include, path

urlpatterns = [
    path("org/", include("qinjian.org.api.urls")),
]

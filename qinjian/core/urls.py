from django.urls import path

from . import views
from .urls_audit import urlpatterns as audit_urlpatterns

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    *audit_urlpatterns,
]

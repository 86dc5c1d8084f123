"""审计管理员 pages, in the ``core`` namespace."""

from django.urls import path

from . import views_audit

urlpatterns = [
    path("audit/changes/", views_audit.ChangeListView.as_view(), name="change_list"),
    path("audit/changes/<int:pk>/", views_audit.change_detail, name="change_detail"),
    path("audit/security-events/", views_audit.SecurityEventListView.as_view(), name="security_event_list"),
    path("audit/security-events/verify/", views_audit.security_event_verify, name="security_event_verify"),
]

"""Every app's API under /api/, plus the schema and its docs."""

from django.urls import include, path

from qinjian.core.api.docs import DocsView, SchemaView

urlpatterns = [
    path("auth/", include("qinjian.accounts.api.urls")),
    path("org/", include("qinjian.org.api.urls")),
    path("assets/", include("qinjian.assets.api.urls")),
    path("standards/", include("qinjian.standards.api.urls")),
    path("jobs/", include("qinjian.jobs.api.urls")),
    path("alerts/", include("qinjian.alerts.api.urls")),
    path("approvals/", include("qinjian.workflow.api.urls")),
    path("attachments/", include("qinjian.attachments.api.urls")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]

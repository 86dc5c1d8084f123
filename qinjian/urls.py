from django.urls import include, path

from qinjian.core import views as core_views

urlpatterns = [
    path("", include("qinjian.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("qinjian.accounts.urls")),
    path("org/", include("qinjian.org.urls")),
    path("assets/", include("qinjian.assets.urls")),
    path("standards/", include("qinjian.standards.urls")),
    path("jobs/", include("qinjian.jobs.urls")),
    path("alerts/", include("qinjian.alerts.urls")),
    path("approvals/", include("qinjian.workflow.urls")),
    path("attachments/", include("qinjian.attachments.urls")),
    path("api/", include("qinjian.api_urls")),
]

handler400 = "qinjian.core.views.error_400"
handler403 = "qinjian.core.views.error_403"
handler404 = "qinjian.core.views.error_404"
handler500 = "qinjian.core.views.error_500"

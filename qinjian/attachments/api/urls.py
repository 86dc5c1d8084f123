from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "attachments-api"

router = SimpleRouter()
router.register("files", views.AttachmentViewSet, basename="attachment")

urlpatterns = [
    path("qr/<str:model>/<int:pk>/", views.QrView.as_view(), name="qr"),
    path("labels/", views.LabelPdfView.as_view(), name="labels"),
    path("lookup/", views.LookupView.as_view(), name="lookup"),
    *router.urls,
]

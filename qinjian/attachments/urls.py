from django.urls import path

from . import views

app_name = "attachments"

TOKEN = "<str:model>/<int:pk>"

urlpatterns = [
    path(f"o/{TOKEN}/upload/", views.UploadView.as_view(), name="attachment_upload"),
    path("<int:pk>/download/", views.DownloadView.as_view(), name="attachment_download"),
    path("<int:pk>/thumbnail/", views.ThumbnailView.as_view(), name="attachment_thumbnail"),
    path("<int:pk>/delete/", views.DeleteView.as_view(), name="attachment_delete"),
    path(f"q/{TOKEN}/", views.QrResolveView.as_view(), name="qr_resolve"),
    path(f"qr/{TOKEN}.png", views.QrImageView.as_view(fmt="png"), name="qr_png"),
    path(f"qr/{TOKEN}.svg", views.QrImageView.as_view(fmt="svg"), name="qr_svg"),
    path("labels/", views.LabelOptionsView.as_view(), name="labels"),
    path("labels/pdf/", views.LabelPdfView.as_view(), name="labels_pdf"),
    path("scan/", views.ScanView.as_view(), name="scan"),
    path("scan/lookup/", views.ScanLookupView.as_view(), name="scan_lookup"),
]

"""资产业务单 pages under /assets/operations/ (see urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_operations as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("operations/", views.OperationListView.as_view(), name="assetoperation_list"),
    path("operations/new/", views.OperationFormView.as_view(), name="assetoperation_create"),
    path("operations/picker/", views.AssetPickerView.as_view(), name="assetoperation_picker"),
    path("operations/<int:pk>/", views.OperationDetailView.as_view(), name="assetoperation_detail"),
    path("operations/<int:pk>/edit/", views.OperationFormView.as_view(), name="assetoperation_edit"),
    path("operations/<int:pk>/submit/", views.OperationSubmitView.as_view(), name="assetoperation_submit"),
    path("operations/<int:pk>/delete/", views.OperationDeleteView.as_view(), name="assetoperation_delete"),
]

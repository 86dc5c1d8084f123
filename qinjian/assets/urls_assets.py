"""Asset card pages (see urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_assets as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("cards/", v.AssetListView.as_view(), name="asset_list"),
    path("cards/new/", v.AssetFormView.as_view(), name="asset_create"),
    path("cards/<int:pk>/", v.AssetDetailView.as_view(), name="asset_detail"),
    path("cards/<int:pk>/edit/", v.AssetFormView.as_view(), name="asset_edit"),
    path("cards/<int:pk>/idle/", v.AssetMarkIdleView.as_view(), name="asset_mark_idle"),
    path("cards/<int:pk>/in-use/", v.AssetMarkInUseView.as_view(), name="asset_mark_in_use"),
    path("cards/<int:pk>/delete/", v.AssetDeleteView.as_view(), name="asset_delete"),
]

"""盘点 pages under /assets/stocktake/ (see urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_stocktake as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("stocktake/", v.StocktakeCampaignListView.as_view(), name="stocktakecampaign_list"),
    path("stocktake/new/", v.StocktakeCampaignFormView.as_view(), name="stocktakecampaign_create"),
    path("stocktake/<int:pk>/", v.StocktakeCampaignDetailView.as_view(), name="stocktakecampaign_detail"),
    path("stocktake/<int:pk>/edit/", v.StocktakeCampaignFormView.as_view(), name="stocktakecampaign_edit"),
    path("stocktake/<int:pk>/start/", v.StocktakeCampaignStartView.as_view(), name="stocktakecampaign_start"),
    path("stocktake/<int:pk>/close/", v.StocktakeCampaignCloseView.as_view(), name="stocktakecampaign_close"),
    path("stocktake/<int:pk>/count/", v.StocktakeCountView.as_view(), name="stocktakecampaign_count"),
    path("stocktake/<int:pk>/count/photo/", v.StocktakePhotoView.as_view(), name="stocktakecampaign_photo"),
    path("stocktake/items/", v.StocktakeItemListView.as_view(), name="stocktakeitem_list"),
    path("stocktake/items/<int:pk>/", v.StocktakeItemDetailView.as_view(), name="stocktakeitem_detail"),
    path("stocktake/items/<int:pk>/resolve/", v.StocktakeItemResolveView.as_view(), name="stocktakeitem_resolve"),
    path("stocktake/discrepancies/", v.StocktakeDiscrepancyView.as_view(), name="stocktake_discrepancies"),
]

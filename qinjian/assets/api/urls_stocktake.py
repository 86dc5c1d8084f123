"""盘点 API routes (included by api/urls.py): /api/assets/stocktake/campaigns/ and /api/assets/stocktake/items/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .stocktake import StocktakeCampaignViewSet, StocktakeItemViewSet

router = SimpleRouter()
router.register("stocktake/campaigns", StocktakeCampaignViewSet, basename="stocktake-campaign")
router.register("stocktake/items", StocktakeItemViewSet, basename="stocktake-item")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

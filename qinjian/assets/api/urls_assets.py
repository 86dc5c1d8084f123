"""Asset card API routes (included by api/urls.py): /api/assets/cards/ and /api/assets/classify/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .assets import AssetClassifyViewSet, AssetViewSet

router = SimpleRouter()
router.register("cards", AssetViewSet, basename="asset")

urlpatterns: list[URLPattern | URLResolver] = [
    path("classify/", AssetClassifyViewSet.as_view({"post": "create"}), name="asset-classify"),
    *router.urls,
]

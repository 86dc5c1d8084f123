"""资产业务单 API (registered in api/urls.py): /api/assets/operations/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .operations import OperationViewSet

router = SimpleRouter()
router.register("operations", OperationViewSet, basename="assetoperation")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "standards-api"

router = SimpleRouter()
router.register("tables", views.StandardTableViewSet, basename="table")
router.register("versions", views.StandardVersionViewSet, basename="version")
router.register("asset-classes", views.AssetClassViewSet, basename="asset-class")
router.register("legacy-codes", views.LegacyClassMappingViewSet, basename="legacy-code")

urlpatterns = [
    path("lookup/", views.LookupView.as_view(), name="lookup"),
    *router.urls,
]

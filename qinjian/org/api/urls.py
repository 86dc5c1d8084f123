from rest_framework.routers import SimpleRouter

from . import views

app_name = "org-api"

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("people", views.PersonViewSet, basename="person")
router.register("ranks", views.RankViewSet, basename="rank")
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = router.urls

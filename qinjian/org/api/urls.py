from rest_framework.routers import SimpleRouter

from . import staffing, views

app_name = "org-api"

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("people", views.PersonViewSet, basename="person")
router.register("ranks", views.RankViewSet, basename="rank")
router.register("regions", views.RegionViewSet, basename="region")
router.register("staffing-requests", staffing.StaffingRequestViewSet, basename="staffingchangerequest")

urlpatterns = router.urls

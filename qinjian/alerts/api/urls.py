from rest_framework.routers import SimpleRouter

from . import views

app_name = "alerts-api"

router = SimpleRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("rules", views.AlertRuleViewSet, basename="rule")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from . import views

app_name = "workflow-api"

router = SimpleRouter()
router.register("tasks", views.TaskViewSet, basename="task")
router.register("requests", views.RequestViewSet, basename="request")

urlpatterns = router.urls

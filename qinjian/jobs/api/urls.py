from rest_framework.routers import SimpleRouter

from . import views

app_name = "jobs-api"

router = SimpleRouter()
router.register("runs", views.JobRunViewSet, basename="jobrun")

urlpatterns = router.urls

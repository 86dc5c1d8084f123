from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.jobrun_list, name="jobrun_list"),
    path("<int:pk>/", views.jobrun_detail, name="jobrun_detail"),
    path("<int:pk>/cancel/", views.jobrun_cancel, name="jobrun_cancel"),
    path("<int:pk>/download/", views.jobrun_download, name="jobrun_download"),
]

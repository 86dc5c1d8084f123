from django.urls import path

from . import views_staffing as views

urlpatterns = [
    path("staffing/", views.StaffingRequestListView.as_view(), name="staffingchangerequest_list"),
    path("staffing/new/", views.StaffingRequestFormView.as_view(), name="staffingchangerequest_create"),
    path("staffing/<int:pk>/", views.StaffingRequestDetailView.as_view(), name="staffingchangerequest_detail"),
    path("staffing/<int:pk>/edit/", views.StaffingRequestFormView.as_view(), name="staffingchangerequest_edit"),
    path("staffing/<int:pk>/submit/", views.StaffingRequestSubmitView.as_view(), name="staffingchangerequest_submit"),
]

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("<int:pk>/handle/", views.AlertHandleView.as_view(), name="alert_handle"),
    path("<int:pk>/close/", views.AlertCloseView.as_view(), name="alert_close"),
    path("rules/", views.AlertRuleListView.as_view(), name="alertrule_list"),
    path("rules/<int:pk>/", views.AlertRuleDetailView.as_view(), name="alertrule_detail"),
    path("rules/<int:pk>/edit/", views.AlertRuleFormView.as_view(), name="alertrule_edit"),
    path("rules/<int:pk>/sweep/", views.AlertRuleSweepView.as_view(), name="alertrule_sweep"),
]

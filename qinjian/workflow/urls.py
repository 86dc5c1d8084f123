from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("", views.TodoView.as_view(), name="todo"),
    path("done/", views.DoneView.as_view(), name="done"),
    path("mine/", views.MineView.as_view(), name="mine"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="approvalrequest_detail"),
    path("requests/<int:pk>/approve/", views.ApproveView.as_view(), name="approvalrequest_approve"),
    path("requests/<int:pk>/reject/", views.RejectView.as_view(), name="approvalrequest_reject"),
    path("requests/<int:pk>/return/", views.ReturnView.as_view(), name="approvalrequest_return"),
    path("requests/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="approvalrequest_withdraw"),
    path("requests/<int:pk>/comment/", views.CommentView.as_view(), name="approvalrequest_comment"),
    path("flows/", views.FlowListView.as_view(), name="flowdefinition_list"),
    path("flows/new/", views.FlowFormView.as_view(), name="flowdefinition_create"),
    path("flows/<int:pk>/", views.FlowDetailView.as_view(), name="flowdefinition_detail"),
    path("flows/<int:pk>/edit/", views.FlowFormView.as_view(), name="flowdefinition_edit"),
    path("flows/<int:pk>/deactivate/", views.FlowDeactivateView.as_view(), name="flowdefinition_deactivate"),
    path("flows/<int:pk>/activate/", views.FlowActivateView.as_view(), name="flowdefinition_activate"),
]

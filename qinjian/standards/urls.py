from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.StandardsHomeView.as_view(), name="home"),
    path("tables/", views.StandardTableListView.as_view(), name="standardtable_list"),
    path("tables/<int:pk>/", views.StandardTableDetailView.as_view(), name="standardtable_detail"),
    path("tables/<int:pk>/versions/new/", views.StandardVersionCreateView.as_view(), name="standardversion_create"),
    path("tables/versions/<int:pk>/", views.StandardVersionDetailView.as_view(), name="standardversion_detail"),
    path("tables/versions/<int:pk>/publish/", views.StandardVersionPublishView.as_view(), name="standardversion_publish"),
    path("tables/versions/<int:pk>/retire/", views.StandardVersionRetireView.as_view(), name="standardversion_retire"),
    path("classes/", views.AssetClassTreeView.as_view(), name="assetclass_list"),
    path("legacy-codes/", views.LegacyClassMappingListView.as_view(), name="legacyclassmapping_list"),
]

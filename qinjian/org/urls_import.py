"""Excel import pages for units and people (上传 → 预览 → 完成), under /org/."""

from django.urls import path

from . import views_import as views

urlpatterns = [
    path("units/import/", views.unit_import, name="unit_import"),
    path("units/import/template/", views.unit_import_template, name="unit_import_template"),
    path("units/import/<str:token>/", views.unit_import_preview, name="unit_import_preview"),
    path("units/import/<str:token>/commit/", views.unit_import_commit, name="unit_import_commit"),
    path("units/import/<str:token>/errors/", views.unit_import_errors, name="unit_import_errors"),
    path("people/import/", views.person_import, name="person_import"),
    path("people/import/template/", views.person_import_template, name="person_import_template"),
    path("people/import/<str:token>/", views.person_import_preview, name="person_import_preview"),
    path("people/import/<str:token>/commit/", views.person_import_commit, name="person_import_commit"),
    path("people/import/<str:token>/errors/", views.person_import_errors, name="person_import_errors"),
]

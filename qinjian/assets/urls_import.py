"""Legacy-ledger import pages under /assets/import/ (see urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_import as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", views.asset_import, name="asset_import"),
    path("import/template/", views.asset_import_template, name="asset_import_template"),
    path("import/<str:token>/", views.asset_import_preview, name="asset_import_preview"),
    path("import/<str:token>/decide/", views.asset_import_decide, name="asset_import_decide"),
    path("import/<str:token>/commit/", views.asset_import_commit, name="asset_import_commit"),
    path("import/<str:token>/errors/", views.asset_import_errors, name="asset_import_errors"),
]

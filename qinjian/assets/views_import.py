"""Legacy-ledger import pages (上传 → 预览并确认分类 → 完成): the core import wizard for ``assets.asset``."""

from __future__ import annotations

from qinjian.core.importing.views import (
    ImportCommitView,
    ImportDecideView,
    ImportErrorsView,
    ImportPreviewView,
    ImportTemplateView,
    ImportUploadView,
)

from . import importers  # noqa: F401  (registers the asset import spec)

ASSET = {"kind": "assets.asset", "section": "资产管理"}

asset_import = ImportUploadView.as_view(template_name="assets/import_upload.html", **ASSET)
asset_import_preview = ImportPreviewView.as_view(template_name="assets/import_preview.html", **ASSET)
asset_import_decide = ImportDecideView.as_view(**ASSET)
asset_import_commit = ImportCommitView.as_view(**ASSET)
asset_import_errors = ImportErrorsView.as_view(**ASSET)
asset_import_template = ImportTemplateView.as_view(**ASSET)

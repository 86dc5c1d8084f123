"""Excel import of units and people: the core import wizard, configured for the org ledgers."""

from __future__ import annotations

from qinjian.core.importing.views import (
    ImportCommitView,
    ImportErrorsView,
    ImportPreviewView,
    ImportTemplateView,
    ImportUploadView,
)

from . import importers  # noqa: F401  (registers the org import specs)

UNIT = {"kind": "org.unit"}
PERSON = {"kind": "org.person"}

unit_import = ImportUploadView.as_view(**UNIT)
unit_import_preview = ImportPreviewView.as_view(**UNIT)
unit_import_commit = ImportCommitView.as_view(**UNIT)
unit_import_errors = ImportErrorsView.as_view(**UNIT)
unit_import_template = ImportTemplateView.as_view(**UNIT)

person_import = ImportUploadView.as_view(**PERSON)
person_import_preview = ImportPreviewView.as_view(**PERSON)
person_import_commit = ImportCommitView.as_view(**PERSON)
person_import_errors = ImportErrorsView.as_view(**PERSON)
person_import_template = ImportTemplateView.as_view(**PERSON)

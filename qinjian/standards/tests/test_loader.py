import json

import pytest
from django.core.management import call_command

from qinjian.standards.models import (
    AssetClass,
    LegacyClassMapping,
    StandardRow,
    StandardTable,
    StandardVersion,
)
from qinjian.standards.selectors import standard
from qinjian.standards.services.loader import DATA_DIR, load_all, load_table_file

pytestmark = pytest.mark.django_db


def _counts():
    return (StandardTable.objects.count(), StandardVersion.objects.count(), StandardRow.objects.count(),
            AssetClass.objects.count(), LegacyClassMapping.objects.count())


def test_migration_loaded_every_data_file():
    files = sorted(p.stem for p in DATA_DIR.glob("*.json"))
    assert sorted(StandardTable.objects.values_list("name", flat=True)) == files
    assert len(files) >= 15  # the 12 of the foundation + the asset module's 3
    for table in StandardTable.objects.all():
        assert StandardVersion.objects.filter(table=table, status="active").exists(), table.name


def test_loading_again_changes_nothing(capsys):
    before = _counts()
    report = load_all()
    assert report.changed is False
    assert _counts() == before
    call_command("load_standards")
    assert "数据已是最新，没有修改。" in capsys.readouterr().out
    assert _counts() == before


def test_a_changed_data_file_adds_a_draft_and_never_overwrites(tmp_path):
    doc = json.loads((DATA_DIR / "office_area.json").read_text(encoding="utf-8"))
    for row in doc["versions"][0]["rows"]:
        if row["key"] == {"level": "city", "rank": "C-3"}:
            row["values"]["area"] = "25"
    changed = tmp_path / "office_area.json"
    changed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    report = load_table_file(changed)
    assert report.drafts_created == 1
    assert report.messages == ["办公室使用面积标准：数据文件有变化，已新增草稿版本“2014-数据更新2”。"]
    draft = StandardVersion.objects.get(table__name="office_area", code="2014-数据更新2")
    assert draft.status == "draft"
    assert draft.rows.get(key_text="level=city|rank=C-3").values["area"] == "25"
    # The version in force is untouched.
    assert standard("office_area", on="2026-01-01").value("area", level="city", rank="C-3") == 24
    # Loading the same changed file again adds nothing.
    again = load_table_file(changed)
    assert again.drafts_created == 0 and again.versions_created == 0
    assert StandardVersion.objects.filter(table__name="office_area").count() == 2


def test_every_data_file_names_its_sources_and_tags_every_row():
    for path in DATA_DIR.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert len(doc["sources"]) > 40, path.name
        for version in doc["versions"]:
            assert version["doc_title"] and version["effective_from"], path.name
            for row in version["rows"]:
                assert row["confidence"] in {"C", "C2", "R", "?"}, (path.name, row)

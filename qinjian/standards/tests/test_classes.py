import csv

import pytest
from django.db.models import Count

from qinjian.standards.models import AssetClass, LegacyClassMapping
from qinjian.standards.selectors import asset_class_for_legacy, asset_class_search
from qinjian.standards.services.loader import ASSET_CLASSES_FILE

pytestmark = pytest.mark.django_db


def test_all_catalogue_classes_load_with_parents_and_levels():
    rows = list(csv.DictReader(ASSET_CLASSES_FILE.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 3481
    loaded = {c.code: c for c in AssetClass.objects.select_related("parent")}
    assert len(loaded) == 3481 + 1  # plus A03010000 不可移动文物, added by hand
    for row in rows:
        cls = loaded[row["code"]]
        assert cls.name == row["name"]
        assert cls.level == int(row["level"])
        assert (cls.parent.code if cls.parent else "") == row["parent_code"]
        if cls.parent:
            assert cls.parent.level == cls.level - 1
    levels = dict(AssetClass.objects.values_list("level").annotate(n=Count("id")))
    assert levels == {1: 8, 2: 82, 3: 968, 4: 2424}


def test_paths_and_manual_class():
    assert AssetClass.objects.get(code="A02010105").path_names == "设备 / 信息化设备 / 计算机 / 台式计算机"
    manual = AssetClass.objects.get(code="A03010000")
    assert (manual.name, manual.level, manual.parent.code, manual.is_manual) == ("不可移动文物", 2, "A03000000", True)


def test_search_by_name_and_code_prefix():
    qs = AssetClass.objects.all()
    found = asset_class_search(qs, "台式").order_by("code").values_list("code", flat=True)
    assert list(found) == ["A02010105", "A02053300"]  # 台式计算机, 电动及小型台式工具
    assert set(asset_class_search(qs, "a020101").values_list("code", flat=True)) >= {"A02010100", "A02010105"}
    assert asset_class_search(qs, "a020101").count() == 11  # 计算机 and its 10 sub-classes
    assert asset_class_search(qs, "打印机 彩色").count() == 2


def test_legacy_mappings():
    desktop = asset_class_for_legacy("cat2013", "A02010104")
    assert (desktop.asset_class.code, desktop.match, desktop.confidence) == ("A02010105", "exact", "R")
    vehicles = asset_class_for_legacy("gbt2010", "2030000")
    assert vehicles.asset_class.code == "A02030000"
    furniture = asset_class_for_legacy("gbt2010", "6000000")
    assert furniture.is_mapped is False and furniture.match == "none"
    assert asset_class_for_legacy("cat2013", "A9999") is None
    assert LegacyClassMapping.objects.filter(asset_class__isnull=True).count() == 2
    assert not LegacyClassMapping.objects.filter(source="").exists()

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from qinjian.assets import classify
from qinjian.assets.classify import Classifier, normalize, suggest
from qinjian.standards.models import AssetClass

EVAL_FILE = Path(classify.__file__).parent / "data" / "classify_eval.csv"


def eval_rows(split: str | None = None) -> list[dict[str, str]]:
    with EVAL_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return [r for r in rows if split is None or r["split"] == split]


@pytest.fixture(autouse=True)
def _fresh_classifier():
    classify.reset_cache()
    yield
    classify.reset_cache()


@pytest.fixture(scope="module")
def from_files() -> Classifier:
    return Classifier.from_files()


def run_command(text: str, name: str = "classify_assets", *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdin=io.StringIO(text), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_prints_one_line_per_input_line_in_order():
    out = run_command("联想启天M430台式机\n\n格力KFR-72LW柜式空调\nqwerty\n钢制文件柜（五节）\n")
    assert out.split("\n") == [
        "A02010105\t台式计算机\t0.90",
        "",
        "A02061804\t空调机\t0.90",
        "\t\t0.00",
        "A05010502\t文件柜\t0.90",
        "",
    ]


@pytest.mark.django_db
def test_command_accepts_the_hyphenated_name_model_and_legacy_columns():
    out = run_command("办公桌\t\tA020201\n笔记本\tThinkPad T14\n", "classify-assets")
    assert out == "A02020100\t复印机\t0.95\nA02010108\t便携式计算机\t0.90\n"


@pytest.mark.django_db
def test_command_reason_column():
    out = run_command("得力9955碎纸机\n", "classify_assets", "--reason")
    assert out == "A02021301\t碎纸机\t0.90\t关键词“碎纸机”\n"


@pytest.mark.django_db
def test_command_without_input_prints_nothing():
    assert run_command("") == ""


@pytest.mark.django_db
def test_database_and_files_give_the_same_classifier(from_files):
    db = Classifier.from_database()
    assert db.classes == from_files.classes
    assert db.legacy == from_files.legacy
    for row in eval_rows():
        assert db.suggest(row["name"], row["model"], row["legacy_code"]) == \
            from_files.suggest(row["name"], row["model"], row["legacy_code"])


@pytest.mark.django_db
def test_exact_legacy_mapping_wins_over_the_name():
    got = suggest("格力空调", legacy_code="A020201")  # 2013 catalogue 复印机
    assert (got.code, got.class_name, got.confidence, got.method) == ("A02020100", "复印机", 0.95, "legacy")
    assert "A020201" in got.reason


@pytest.mark.django_db
def test_legacy_code_is_cleaned_before_lookup():
    assert suggest("", legacy_code=" a02-0201 ").code == "A02020100"


@pytest.mark.django_db
def test_broader_legacy_mapping_is_refined_by_the_name():
    got = suggest("联想启天M430台式机", legacy_code="2010000")  # 2010: 计算机设备及软件 → 信息化设备
    assert (got.code, got.confidence) == ("A02010105", 0.9)
    vague = suggest("设备一批", legacy_code="2010000")
    assert (vague.code, vague.class_name, vague.confidence) == ("A02010000", "信息化设备", 0.7)
    assert "请细分" in vague.reason


@pytest.mark.django_db
def test_broader_mapping_ignores_a_name_outside_its_branch():
    got = suggest("办公桌", legacy_code="2010000")
    assert (got.code, got.method) == ("A02010000", "legacy")


@pytest.mark.django_db
def test_unmapped_and_unknown_legacy_codes_are_flagged_and_the_name_decides():
    unmapped = suggest("办公桌", legacy_code="6000000")
    assert unmapped.code == "A05010201"
    assert "无对应类" in unmapped.reason
    unknown = suggest("办公桌", legacy_code="9999999")
    assert unknown.code == "A05010201"
    assert "9999999 无对照" in unknown.reason


@pytest.mark.django_db
def test_every_emitted_code_is_a_2022_class():
    known = set(AssetClass.objects.values_list("code", flat=True))
    names = [(r["name"], r["model"], r["legacy_code"]) for r in eval_rows()]
    names += [("锅炉", "", ""), ("工业锅炉房", "", ""), ("茶叶", "", ""), ("其他", "", ""), ("x" * 5000, "", ""),
              ("\x00\t\r", "", ""), ("设备", "", "1000000"), ("", "", "3000000"), ("《论语》", "", "")]
    for name, model, legacy in names:
        got = suggest(name, model, legacy)
        assert got.code == "" or got.code in known, (name, got)
        assert 0.0 <= got.confidence <= 1.0
        assert (got.code == "") == (got.confidence == 0.0)


@pytest.mark.parametrize(("name", "code"), [
    ("联想启天M430台式机", "A02010105"),
    ("联想扬天M4000q", "A02010105"),
    ("ThinkPad E14", "A02010108"),
    ("惠普LaserJet Pro M404dn黑白激光打印机", "A02021003"),
    ("惠普Color LaserJet Pro M454dn", "A02021004"),
    ("爱普生LQ-630K针式打印机", "A02021006"),
    ("惠普M1136多功能一体机", "A02020400"),
    ("联想一体机电脑", "A02010105"),
    ("得力9955碎纸机", "A02021301"),
    ("格力KFR-72LW柜式空调", "A02061804"),
    ("钢制文件柜（五节）", "A05010502"),
    ("实木会议桌3.6米", "A05010202"),
    ("三人沙发", "A05010401"),
    ("电话交换机", "A02080704"),
    ("别克GL8商务车", "A02030503"),
    ("比亚迪秦新能源汽车", "A02030501"),
    ("海康威视DS-2CD3T46网络摄像机", "A02091107"),
    ("UPS不间断电源 10KVA", "A02061504"),
    ("《习近平谈治国理政》第四卷", "A04010101"),
    ("Windows 10 专业版", "A08060301"),
])
def test_known_names(from_files, name, code):
    assert from_files.suggest(name).code == code


def test_unknown_and_empty_names(from_files):
    assert from_files.suggest("") == classify.NO_SUGGESTION
    assert from_files.suggest("   ") == classify.NO_SUGGESTION
    assert from_files.suggest("qwerty").code == ""


def test_unspecified_printer_is_a4_mono_with_lower_confidence(from_files):
    got = from_files.suggest("打印机")
    assert (got.code, got.confidence, got.is_low_confidence) == ("A02021003", 0.75, True)


def test_normalize_folds_width_case_and_punctuation():
    assert normalize("ＨＰ　LaserJet（Pro）M404dn") == "hplaserjetprom404dn"


def test_a_keyword_naming_an_unknown_code_is_refused(tmp_path):
    bad = tmp_path / "kw.json"
    bad.write_text(json.dumps({"rules": [{"code": "A99999999", "weight": 3, "keywords": ["x"]}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="A99999999"):
        Classifier.build([("A04010101", "书籍、课本", 4, "")], [], keywords_file=bad)


def test_eval_set_is_large_and_labelled_with_2022_codes(from_files):
    rows = eval_rows()
    assert len(rows) >= 500
    assert {r["split"] for r in rows} == {"dev", "test"}
    assert all(r["expected_code"] in from_files.classes for r in rows)


@pytest.mark.parametrize("split", ["dev", "test"])
def test_top1_accuracy_on_the_labelled_set(from_files, split):
    rows = eval_rows(split)
    right = sum(from_files.suggest(r["name"], r["model"], r["legacy_code"]).code == r["expected_code"] for r in rows)
    assert right / len(rows) >= 0.90

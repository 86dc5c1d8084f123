"""Loading the shipped data files (data/): reference tables, asset classes and legacy mappings.

Idempotent: loading twice changes nothing. A version already loaded whose content changed in the
file is never overwritten: the new content comes in as a separate draft version for the system
administrator to check and publish. Works with real and with historical (migration) models, so
only plain ORM calls are used here; change-log rows are written where the models are real.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ASSET_CLASSES_FILE = DATA_DIR / "asset-classes-2022.csv"
ASSET_CLASSES_MANUAL_FILE = DATA_DIR / "asset-classes-manual.csv"
LEGACY_MAPPING_FILE = DATA_DIR / "legacy-class-mapping.csv"
ASSET_CLASS_SOURCE = "政府采购品目分类目录（财库〔2022〕31号），货物类代码与 GB/T 14885-2022 一一对应"

GetModel = Callable[[str], Any]


@dataclass
class LoadReport:
    tables_created: int = 0
    tables_updated: int = 0
    versions_created: int = 0
    drafts_created: int = 0
    rows_created: int = 0
    classes_created: int = 0
    classes_updated: int = 0
    mappings_created: int = 0
    mappings_updated: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.tables_created, self.tables_updated, self.versions_created, self.drafts_created,
                    self.classes_created, self.classes_updated, self.mappings_created, self.mappings_updated))


def _real_get_model(name: str) -> Any:
    from django.apps import apps

    return apps.get_model("standards", name)


def _log_created(obj: Any, message: str = "") -> None:
    """A change-log row for objects written with bulk_create (real models only, not in migrations)."""
    from qinjian.core.models import BaseModel

    if isinstance(obj, BaseModel):
        from qinjian.core.audit import log_change, snapshot
        from qinjian.core.models import ObjectChange

        log_change(obj, ObjectChange.Action.CREATE, after=snapshot(obj), message=message)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


# --------------------------------------------------------------------------------------------------
# Reference tables
# --------------------------------------------------------------------------------------------------


def version_hash(spec: dict[str, Any]) -> str:
    """The identity of a version's content in a data file (rows, dates and source, not the file layout)."""
    content = {k: spec.get(k) for k in ("code", "doc_no", "doc_title", "effective_from", "effective_to", "status",
                                         "note", "rows")}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _key_text(key: dict[str, Any], names: list[str]) -> str:
    return "|".join(f"{n}={str(key.get(n, '') or '').strip()}" for n in names)


def _date(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _overlaps(version_model: Any, table: Any, start: datetime.date, end: datetime.date | None) -> bool:
    qs = version_model.objects.filter(table=table, status="active")
    if end is not None:
        qs = qs.filter(effective_from__lte=end)
    return qs.exclude(effective_to__lt=start).exists()


def load_table_file(path: Path, get_model: GetModel = _real_get_model, report: LoadReport | None = None) -> LoadReport:
    report = report or LoadReport()
    Table = get_model("StandardTable")
    Version = get_model("StandardVersion")
    Row = get_model("StandardRow")
    doc = json.loads(path.read_text(encoding="utf-8"))
    spec = doc["table"]
    fields = {
        "title": spec["title"], "category": spec["category"], "description": spec.get("description", ""),
        "key_columns": spec["keys"], "value_columns": spec["values"], "data_file": path.name,
        "sort_order": spec.get("sort_order", 0),
    }
    table = Table.objects.filter(name=spec["name"]).first()
    if table is None:
        table = Table.objects.create(name=spec["name"], **fields)
        report.tables_created += 1
    elif any(getattr(table, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(table, k, v)
        table.save()  # table metadata (titles, column labels) follows the file; rows never do
        report.tables_updated += 1
    key_names = [c["name"] for c in spec["keys"]]

    for vspec in doc["versions"]:
        digest = version_hash(vspec)
        if Version.objects.filter(table=table, source_hash=digest).exists():
            continue
        start, end = _date(vspec["effective_from"]), _date(vspec.get("effective_to"))
        assert start is not None
        code = vspec["code"]
        status = vspec.get("status", "active")
        note = vspec.get("note", "")
        if Version.objects.filter(table=table, code=code).exists() or (
                status == "active" and _overlaps(Version, table, start, end)):
            # Never silently replace a version that may be in force: add a draft for review.
            n = 2
            while Version.objects.filter(table=table, code=f"{code}-数据更新{n}").exists():
                n += 1
            code = f"{code}-数据更新{n}"
            status = "draft"
            note = (f"数据文件 {path.name} 中版本“{vspec['code']}”的内容与已载入的版本不同，已作为草稿载入，"
                    f"请系统管理员核对后发布。" + (f"\n{note}" if note else ""))
            report.drafts_created += 1
            report.messages.append(f"{spec['title']}：数据文件有变化，已新增草稿版本“{code}”。")
        else:
            report.versions_created += 1
        version = Version.objects.create(
            table=table, code=code, doc_no=vspec.get("doc_no", ""), doc_title=vspec["doc_title"],
            effective_from=start, effective_to=end, status=status, note=note, source_hash=digest,
        )
        rows = [
            Row(version=version, key={n: str(r["key"].get(n, "")) for n in key_names},
                key_text=_key_text(r["key"], key_names),
                values={k: ("" if v is None else str(v)) for k, v in r["values"].items()},
                confidence=r.get("confidence", "C2"), note=r.get("note", ""), sort_order=i * 10)
            for i, r in enumerate(vspec["rows"], start=1)
        ]
        Row.objects.bulk_create(rows)
        report.rows_created += len(rows)
        _log_created(version, f"由数据文件 {path.name} 载入，{len(rows)} 行")
    return report


# --------------------------------------------------------------------------------------------------
# Asset classes and legacy mappings
# --------------------------------------------------------------------------------------------------


def load_asset_classes(get_model: GetModel = _real_get_model, report: LoadReport | None = None) -> LoadReport:
    report = report or LoadReport()
    AssetClass = get_model("AssetClass")
    specs: list[dict[str, Any]] = [{**r, "source": ASSET_CLASS_SOURCE, "is_manual": False}
                                   for r in _csv_rows(ASSET_CLASSES_FILE)]
    specs += [{**r, "is_manual": True} for r in _csv_rows(ASSET_CLASSES_MANUAL_FILE)]
    specs.sort(key=lambda r: (int(r["level"]), r["code"]))  # parents before children
    existing = {c.code: c for c in AssetClass.objects.all()}
    paths: dict[str, str] = {}
    for spec in specs:
        parent = spec["parent_code"]
        paths[spec["code"]] = f"{paths[parent]} / {spec['name']}" if parent else spec["name"]
    created = []
    for level in sorted({int(s["level"]) for s in specs}):
        batch = []
        for spec in (s for s in specs if int(s["level"]) == level):
            values = {"name": spec["name"], "level": level, "path_names": paths[spec["code"]][:400],
                      "is_manual": spec["is_manual"], "source": spec["source"][:200]}
            parent_code = spec["parent_code"] or None
            obj = existing.get(spec["code"])
            if obj is None:
                parent = existing[parent_code] if parent_code else None
                batch.append(AssetClass(code=spec["code"], parent=parent, **values))
            else:
                wanted_parent = existing[parent_code].pk if parent_code else None
                if obj.parent_id != wanted_parent or any(getattr(obj, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(obj, k, v)
                    obj.parent_id = wanted_parent
                    obj.save()
                    report.classes_updated += 1
        if batch:
            AssetClass.objects.bulk_create(batch, batch_size=500)
            # bulk_create sets pks on PostgreSQL and SQLite ≥ 3.35; re-read to be safe on any backend.
            for obj in AssetClass.objects.filter(code__in=[b.code for b in batch]):
                existing[obj.code] = obj
                created.append(obj)
    report.classes_created += len(created)
    if created and len(created) <= 50:
        for obj in created:
            _log_created(obj, "由分类数据文件载入")
    return report


def load_legacy_mappings(get_model: GetModel = _real_get_model, report: LoadReport | None = None) -> LoadReport:
    report = report or LoadReport()
    AssetClass = get_model("AssetClass")
    Mapping = get_model("LegacyClassMapping")
    classes = dict(AssetClass.objects.values_list("code", "pk"))
    for spec in _csv_rows(LEGACY_MAPPING_FILE):
        target = spec["code_2022"].strip()
        values = {
            "legacy_name": spec["legacy_name"], "asset_class_id": classes[target] if target else None,
            "match": spec["match"], "confidence": spec["confidence"], "source": spec["source"][:300],
            "note": spec["note"][:300],
        }
        obj = Mapping.objects.filter(scheme=spec["scheme"], legacy_code=spec["legacy_code"]).first()
        if obj is None:
            obj = Mapping.objects.create(scheme=spec["scheme"], legacy_code=spec["legacy_code"], **values)
            report.mappings_created += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            report.mappings_updated += 1
    return report


def load_all(get_model: GetModel = _real_get_model) -> LoadReport:
    """Everything under data/, in one transaction."""
    report = LoadReport()
    with transaction.atomic():
        for path in sorted(DATA_DIR.glob("*.json")):
            load_table_file(path, get_model, report)
        load_asset_classes(get_model, report)
        load_legacy_mappings(get_model, report)
    if report.changed:
        from ..selectors import invalidate_cache

        invalidate_cache()
    return report

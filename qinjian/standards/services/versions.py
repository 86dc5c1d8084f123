"""Writing standards: new versions (a copy of the current one with edited rows), publish, retire.

Active versions of a table never overlap, so a date always finds at most one version in force.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from qinjian.core.audit import log_change
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange

from ..choices import ColumnType, Confidence, VersionStatus
from ..models import StandardRow, StandardTable, StandardVersion
from ..models.tables import clean_value, key_text
from ..selectors import invalidate_cache

MAX_ROWS = 2000


def _overlapping(table: StandardTable, start: datetime.date, end: datetime.date | None,
                 exclude: list[int]) -> StandardVersion | None:
    qs = StandardVersion.objects.filter(table=table, status=VersionStatus.ACTIVE).exclude(pk__in=exclude)
    if end is not None:
        qs = qs.filter(effective_from__lte=end)
    return qs.exclude(effective_to__lt=start).order_by("effective_from").first()


def _overlap_error(other: StandardVersion) -> ValidationFailed:
    msg = (f"生效期间与现行版本“{other.code}”（{other.period}）重叠。同一标准同一日期只能有一个生效版本，"
           f"请调整生效日期，或先调整、废止该版本。")
    return ValidationFailed(msg, fields={"effective_from": [msg]})


def clean_rows(table: StandardTable, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as entered: validated against the table's columns; errors by row in Chinese."""
    key_names = table.key_names
    types = {c["name"]: c.get("type", ColumnType.TEXT) for c in table.value_columns}
    labels = {c["name"]: c.get("label", c["name"]) for c in [*table.key_columns, *table.value_columns]}
    errors: list[str] = []
    seen: dict[str, int] = {}
    out = []
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(f"一个版本最多 {MAX_ROWS} 行。", fields={"rows": [f"最多 {MAX_ROWS} 行。"]})
    for number, row in enumerate(rows, start=1):
        key = {n: str((row.get("key") or {}).get(n, "") or "").strip()[:100] for n in key_names}
        if not any(key.values()):
            errors.append(f"第 {number} 行：请填写查询条件（{'、'.join(labels[n] for n in key_names)}）。")
            continue
        text = key_text(key, key_names)
        if text in seen:
            errors.append(f"第 {number} 行：查询条件与第 {seen[text]} 行重复。")
            continue
        seen[text] = number
        values = {}
        for name, col_type in types.items():
            try:
                values[name] = clean_value((row.get("values") or {}).get(name, ""), col_type)
            except ValueError as exc:
                errors.append(f"第 {number} 行“{labels[name]}”：{exc}。")
        confidence = str(row.get("confidence") or "")
        if confidence not in Confidence.values:
            errors.append(f"第 {number} 行：请选择可信度。")
        out.append({"key": key, "key_text": text, "values": values, "confidence": confidence,
                    "note": str(row.get("note") or "").strip()[:1000]})
    if not out and not errors:
        errors.append("版本至少需要一行数据。")
    if errors:
        raise ValidationFailed("数据行有误：" + errors[0] + (f"（共 {len(errors)} 处）" if len(errors) > 1 else ""),
                               fields={"rows": errors})
    return out


@transaction.atomic
def standard_version_create(
    *,
    table: StandardTable,
    code: str,
    doc_title: str,
    effective_from: datetime.date,
    rows: list[dict[str, Any]],
    doc_no: str = "",
    effective_to: datetime.date | None = None,
    note: str = "",
    status: str = VersionStatus.ACTIVE,
    based_on: StandardVersion | None = None,
    close_previous: bool = False,
) -> StandardVersion:
    """A new version of ``table``. With ``close_previous`` the version it is based on ends the day before."""
    table = StandardTable.objects.select_for_update().get(pk=table.pk)  # serialise writers of one table
    code, doc_title, doc_no = code.strip(), doc_title.strip(), doc_no.strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["请填写版本号。"]
    elif StandardVersion.objects.filter(table=table, code=code).exists():
        errors["code"] = [f"版本号“{code}”已存在。"]
    if not doc_title:
        errors["doc_title"] = ["请填写依据文件名称。"]
    if effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = ["失效日期不能早于生效日期。"]
    if status not in (VersionStatus.ACTIVE, VersionStatus.DRAFT):
        errors["status"] = ["新版本只能保存为草稿或直接生效。"]
    if based_on is not None and based_on.table_id != table.pk:
        errors["based_on"] = ["所复制的版本不属于该标准。"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    cleaned = clean_rows(table, rows)

    if status == VersionStatus.ACTIVE:
        exclude: list[int] = []
        if close_previous and based_on is not None and based_on.status == VersionStatus.ACTIVE:
            if based_on.effective_from >= effective_from:
                msg = f"新版本的生效日期须晚于所复制版本的生效日期（{based_on.effective_from.isoformat()}）。"
                raise ValidationFailed(msg, fields={"effective_from": [msg]})
            if based_on.effective_to is None or based_on.effective_to >= effective_from:
                exclude.append(based_on.pk)
        other = _overlapping(table, effective_from, effective_to, exclude)
        if other is not None:
            raise _overlap_error(other)
        if exclude and based_on is not None:
            based_on.effective_to = effective_from - datetime.timedelta(days=1)
            based_on.save(update_fields=["effective_to", "updated_at"])

    version = StandardVersion.objects.create(
        table=table, code=code[:40], doc_no=doc_no[:100], doc_title=doc_title[:200], effective_from=effective_from,
        effective_to=effective_to, status=status, note=note.strip(), based_on=based_on,
    )
    objs = [StandardRow(version=version, key=r["key"], key_text=r["key_text"][:300], values=r["values"],
                        confidence=r["confidence"], note=r["note"], sort_order=i * 10)
            for i, r in enumerate(cleaned, start=1)]
    StandardRow.objects.bulk_create(objs)
    log_change(version, ObjectChange.Action.UPDATE, message=f"录入 {len(objs)} 行数据" +
               (f"（复制自版本“{based_on.code}”）" if based_on else ""))
    invalidate_cache()
    return version


@transaction.atomic
def standard_version_publish(*, version: StandardVersion) -> StandardVersion:
    version = StandardVersion.objects.select_for_update().select_related("table").get(pk=version.pk)
    StandardTable.objects.select_for_update().get(pk=version.table_id)
    if version.status != VersionStatus.DRAFT:
        raise ValidationFailed(f"只有草稿可以发布，该版本当前状态为“{version.get_status_display()}”。")
    other = _overlapping(version.table, version.effective_from, version.effective_to, [version.pk])
    if other is not None:
        raise _overlap_error(other)
    version.status = VersionStatus.ACTIVE
    version.save(update_fields=["status", "updated_at"])
    invalidate_cache()
    return version


@transaction.atomic
def standard_version_retire(*, version: StandardVersion, reason: str = "") -> StandardVersion:
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.RETIRED:
        raise ValidationFailed("该版本已废止。")
    version.status = VersionStatus.RETIRED
    reason = reason.strip()[:500]
    if reason:
        stamp = datetime.date.today().isoformat()
        version.note = f"{version.note}\n【{stamp} 废止】{reason}".strip()
    version.save(update_fields=["status", "note", "updated_at"])
    invalidate_cache()
    return version

"""Import of a unit's legacy asset ledger (旧资产台账) through the core pipeline.

Real ledgers are messy: title rows above the header, two-row merged headers, many names for the same
column, amounts with commas, 元 and full-width digits, dates as 2019.5 / 2019年5月 / Excel serials, and
class codes of the 2022 catalogue, of GB/T 14885-2010 (7 digits) or of the 2013 procurement
catalogue. Every row gets a GB/T 14885-2022 class — from its code when that code is a 2022 class or
maps exactly, else suggested from name + model by :mod:`qinjian.assets.classify` — with a confidence;
rows below ``classify.LOW_CONFIDENCE`` (and rows whose old code has no mapping) wait for the user's
confirmation in the preview before the commit.

The unit is chosen on the upload page (within the user's scope). A row is identified by its
原资产编号 in that unit: importing the same ledger again updates the cards (descriptive fields; value,
class and status through the ledger primitives) instead of duplicating them. New cards are booked at
once (they are already on the unit's books) with their opening accumulated depreciation, through
:func:`qinjian.assets.services.bulk.bulk_book_rows`. The ledger is read and validated in chunks as it
streams from the file, and the plan kept between the preview and the commit holds plain tuples.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qinjian.core.errors import DomainError, ValidationFailed
from qinjian.core.importing import (
    CellError,
    Column,
    ImportRefused,
    ImportSpec,
    Progress,
    Report,
    Table,
    choice_parser,
    normalise,
    parse_amount,
    parse_code,
    parse_date,
    parse_int,
    parse_text,
    register,
)
from qinjian.core.importing.audit import Change, bulk_log_changes, field_snapshot
from qinjian.core.importing.spec import Decided
from qinjian.core.models import ObjectChange
from qinjian.org.importers import allowed_unit_ids
from qinjian.org.models import Department, Person, Unit

from . import classify
from .choices import AcquisitionMethod, AssetStatus, EventKind
from .depreciation import opening_depreciation_start

CHUNK = 2000
MAX_VALUE = Decimal("1000000000")  # 10 亿元 for one card: a typo, not an asset
MAX_QUANTITY = 1_000_000
ZERO = Decimal("0.00")
EARLIEST = datetime.date(1949, 10, 1)
IMPORT_MESSAGE = "从旧资产台账导入"
_CODE_2022 = re.compile(r"^[A-C]\d{8}$")
_LEGACY_CODE = re.compile(r"^(\d{7}|[A-C]\d{2,10})$")


def _text(max_length: int) -> Any:
    return lambda value: parse_text(value, max_length=max_length)


def _amount(value: Any) -> Decimal | None:
    return parse_amount(value)


def _quantity(value: Any) -> int | None:
    return parse_int(value, min_value=1, max_value=MAX_QUANTITY,
                    suffixes=("台", "件", "套", "个", "张", "把", "辆", "部", "只", "组", "块", "本", "册", "批"))


def _class_code(value: Any) -> str:
    return parse_code(value, max_length=20).upper().replace(".", "").replace("-", "")


def _status(value: Any) -> str | None:
    parsed = STATUS(value)
    if parsed == AssetStatus.DISPOSED:
        raise CellError("已处置的资产不在账上，不能导入。")
    return parsed


STATUS = choice_parser(
    [(s, label) for s, label in AssetStatus.choices if s != AssetStatus.DRAFT], name="使用状况", synonyms={
        "正常": AssetStatus.IN_USE, "正常使用": AssetStatus.IN_USE, "使用中": AssetStatus.IN_USE,
        "在用": AssetStatus.IN_USE, "使用": AssetStatus.IN_USE, "未使用": AssetStatus.IDLE, "闲置": AssetStatus.IDLE,
        "出租": AssetStatus.LENT, "出借": AssetStatus.LENT, "出租出借": AssetStatus.LENT, "外借": AssetStatus.LENT,
        "待报废": AssetStatus.PENDING_DISPOSAL, "拟报废": AssetStatus.PENDING_DISPOSAL,
        "待处置": AssetStatus.PENDING_DISPOSAL, "损坏": AssetStatus.PENDING_DISPOSAL,
        "已报废": AssetStatus.DISPOSED, "报废": AssetStatus.DISPOSED, "已处置": AssetStatus.DISPOSED,
    })
ACQUISITION = choice_parser(AcquisitionMethod.choices, name="取得方式", synonyms={
    "购置": AcquisitionMethod.PURCHASE, "购买": AcquisitionMethod.PURCHASE, "采购": AcquisitionMethod.PURCHASE,
    "新购": AcquisitionMethod.PURCHASE, "政府采购": AcquisitionMethod.PURCHASE, "调入": AcquisitionMethod.TRANSFER_IN,
    "划拨": AcquisitionMethod.TRANSFER_IN, "无偿调入": AcquisitionMethod.TRANSFER_IN,
    "无偿划入": AcquisitionMethod.TRANSFER_IN, "捐赠": AcquisitionMethod.DONATION, "受赠": AcquisitionMethod.DONATION,
    "自制": AcquisitionMethod.SELF_BUILT, "自建": AcquisitionMethod.SELF_BUILT, "置换": AcquisitionMethod.EXCHANGE,
    "置换换入": AcquisitionMethod.EXCHANGE, "盘盈": AcquisitionMethod.OTHER, "其它": AcquisitionMethod.OTHER,
})

# Fields an import may update on an existing card without a ledger event.
DESCRIPTIVE = ("name", "spec_model", "brand", "measure_unit", "location", "department_id", "custodian_id",
               "supplier", "serial_number", "voucher_no", "notes")


@dataclass
class ClassChoice:
    code: str
    name: str
    confidence: float
    reason: str
    firm: bool  # from a 2022 code, an exact mapping or the user's decision: never asked


# The columns of a new card an import fills, in the order of the compact rows a plan keeps (the unit is
# the plan's; everything else takes the model default, or what booking sets).
NEW_COLUMNS = ("legacy_code", "legacy_class_code", "asset_class_id", "quantity", "original_value", "value_fiscal",
               "value_nonfiscal", "opening_depreciation", "acquisition_method", "acquired_on", "booked_on", "status",
               "depreciation_start", *DESCRIPTIVE)
_CLASS_AT = NEW_COLUMNS.index("asset_class_id")
MEMO_LIMIT = 50_000  # distinct (name, model, code, class name) classified per validation


@dataclass
class AssetPlan:
    """What a validated ledger would write, kept compact between the preview and the commit: plain tuples
    (about 0.3 KB a row), no model instances, no file rows."""

    unit_id: int
    creates: list[tuple[Any, ...]] = field(default_factory=list)  # new cards: values in NEW_COLUMNS order
    rows: list[int] = field(default_factory=list)  # the file row of each card in ``creates``
    # row -> (new card without its class, preview values, the confirmation item): waiting only for the class
    pending: dict[int, tuple[tuple[Any, ...], dict[str, str], dict[str, Any]]] = field(default_factory=dict)
    # (pk, updated_at seen at validation, changed descriptive fields)
    updates: list[tuple[int, Any, dict[str, Any]]] = field(default_factory=list)
    revalue: list[tuple[int, Decimal, Decimal]] = field(default_factory=list)  # (pk, new value, new fiscal)
    reclass: list[tuple[int, int]] = field(default_factory=list)  # (pk, AssetClass pk)
    restatus: list[tuple[int, str]] = field(default_factory=list)  # (pk, status)
    seen: dict[int, Any] = field(default_factory=dict)  # pk -> updated_at of every existing card the plan changes


def _person_key(name: str) -> str:
    return re.sub(r"\s+", "", normalise(name))


class _RowCheck:
    """The checks of one row of a ledger against the unit's data, adding what it would do to the plan."""

    def __init__(self, spec: AssetImportSpec, report: Report, unit: Unit, present: Any) -> None:
        self.spec, self.report, self.unit, self.present = spec, report, unit, present
        self.plan = AssetPlan(unit_id=unit.pk)
        self.today = timezone.localdate()
        self.classifier = classify.get_classifier()
        self.class_pk: dict[str, int] = {}
        self.depts: dict[str, int] = {}
        self.people: dict[str, int | None] = {}
        self.first_row: dict[str, int] = {}
        self.memo: dict[tuple[str, str, str, str], ClassChoice | str] = {}

    def classify(self, name: str, spec: str, class_code: str, class_name: str) -> ClassChoice | str:
        key = (name, spec, class_code, class_name)
        choice = self.memo.get(key)
        if choice is None:
            choice = self.spec._classify(self.classifier, *key)
            if len(self.memo) < MEMO_LIMIT:
                self.memo[key] = choice
        return choice

    def row(self, parsed: Any, old: Any) -> None:
        report, plan, today = self.report, self.plan, self.today
        n, v = parsed.number, parsed.values
        failed = parsed.failed
        code = v.get("legacy_code") or ""
        if code and code in self.first_row:
            report.error(n, "legacy_code", f"原资产编号“{code}”与第 {self.first_row[code]} 行重复。")
            return
        if code:
            self.first_row[code] = n
        elif "legacy_code" not in failed:
            report.error(n, "legacy_code", "原资产编号不能为空。")
        name = v.get("name") or ""
        if not name and "name" not in failed:
            report.error(n, "name", "资产名称不能为空。")
        if old is not None and old.status == AssetStatus.DISPOSED:
            report.error(n, "legacy_code", f"原资产编号“{code}”对应的资产“{old.code}”已处置，不能再导入。")
            return

        # values: 原值 = 财政拨款 + 非财政拨款
        value, fiscal, nonfiscal = v.get("original_value"), v.get("value_fiscal"), v.get("value_nonfiscal")
        if value is None and fiscal is not None and nonfiscal is not None:
            value = fiscal + nonfiscal
        if value is None and "original_value" not in failed:
            report.error(n, "original_value", "原值不能为空。")
        for key, amount in (("original_value", value), ("value_fiscal", fiscal), ("value_nonfiscal", nonfiscal),
                            ("accumulated_depreciation", v.get("accumulated_depreciation"))):
            if amount is not None and amount < 0:
                report.error(n, key, "金额不能为负数。")
            elif amount is not None and amount > MAX_VALUE:
                report.error(n, key, f"金额 {amount:,.2f} 元超过 10 亿元，请核对是否多填了位数。")
        if value is not None and value >= 0:
            if fiscal is None and nonfiscal is None:
                fiscal, nonfiscal = value, ZERO
            elif fiscal is None and nonfiscal is not None:
                fiscal = value - nonfiscal
            elif nonfiscal is None and fiscal is not None:
                nonfiscal = value - fiscal
            if fiscal is None or nonfiscal is None or fiscal + nonfiscal != value or fiscal < 0 or nonfiscal < 0:
                report.error(n, "value_fiscal", f"财政拨款（{fiscal:,.2f}）与非财政拨款（{nonfiscal:,.2f}）"
                                                f"之和应等于原值（{value:,.2f}）。")
        depreciation = v.get("accumulated_depreciation") or ZERO
        if value is not None and value >= 0 and depreciation > value:
            report.error(n, "accumulated_depreciation", f"累计折旧（{depreciation:,.2f}）不能大于原值（{value:,.2f}）。")

        acquired, booked = v.get("acquired_on"), v.get("booked_on")
        if acquired is None and "acquired_on" not in failed:
            report.error(n, "acquired_on", "取得日期不能为空。")
        for key, day, label in (("acquired_on", acquired, "取得日期"), ("booked_on", booked, "入账日期")):
            if day is not None and day > today:
                report.error(n, key, f"{label}（{day:%Y-%m-%d}）晚于今天。")
            elif day is not None and day < EARLIEST:
                report.error(n, key, f"{label}（{day:%Y-%m-%d}）早于 1949 年 10 月，请核对。")
        booked = booked or acquired
        if acquired and booked and booked < acquired:
            report.error(n, "booked_on", f"入账日期（{booked:%Y-%m-%d}）早于取得日期（{acquired:%Y-%m-%d}）。")

        # class
        class_code = v.get("class_code") or ""
        chosen = report.decision(n)
        choice: ClassChoice | str
        if chosen:
            choice = ClassChoice(chosen, self.classifier.classes.get(chosen, ""), 1.0, "已人工确认", True)
        else:
            choice = self.classify(name, v.get("spec_model") or "", class_code, v.get("class_name") or "")
        if isinstance(choice, str):
            if "class_code" not in failed:
                report.error(n, "class_code", choice)
            return
        if report.has_errors(n):
            return
        if old is not None and not choice.firm:
            # a card already imported keeps its class unless the file names a class for sure
            choice = ClassChoice(old.class_code, old.asset_class.name, 1.0, "沿用已导入资产的分类", True)
        pending = not choice.code or (not choice.firm and choice.confidence < classify.LOW_CONFIDENCE)
        question: dict[str, Any] = {}
        if pending:
            question = {
                "values": {"legacy_code": code, "name": name, "spec_model": v.get("spec_model") or "",
                           "class_code": class_code, "class_name": v.get("class_name") or ""},
                "suggested": choice.code, "suggested_label": f"{choice.code} {choice.name}" if choice.code else "",
                "confidence": round(choice.confidence, 2), "reason": choice.reason}
            report.confirm(n, question)
            if old is not None:
                return  # (never happens: an imported card keeps its class) validated again after the decision

        notes = v.get("notes") or ""
        dept_name, person_name = v.get("department") or "", v.get("custodian") or ""
        dept_id = self.depts.get(_person_key(dept_name)) if dept_name else None
        person_id = self.people.get(_person_key(person_name)) if person_name else None
        extra = []
        if dept_name and dept_id is None:
            extra.append(f"原使用部门：{dept_name}")
        if person_name and person_id is None:
            extra.append(f"原使用人：{person_name}")
        if extra:
            notes = "；".join([notes, *extra] if notes else extra)[:1000]
        status = v.get("status") or AssetStatus.IN_USE
        descriptive = (name, v.get("spec_model") or "", v.get("brand") or "", v.get("measure_unit") or "台",
                       v.get("location") or "", dept_id, person_id, v.get("supplier") or "",
                       v.get("serial_number") or "", v.get("voucher_no") or "", notes)
        if old is None:
            action = "confirm" if pending else "create"
            display = (_display(code, name, descriptive[1], choice, value, acquired, dept_name, status)
                       if pending or report.wants_sample(action) else {})
            assert value is not None and acquired is not None  # rows without them have errors
            start = opening_depreciation_start(booked) if depreciation and booked is not None else None
            card = (code, class_code, None if pending else self.class_pk[choice.code], v.get("quantity") or 1,
                    value, fiscal, nonfiscal, depreciation,
                    v.get("acquisition_method") or AcquisitionMethod.PURCHASE, acquired, booked, status, start,
                    *descriptive)
            if pending:  # everything but the class is checked: the user's decision completes the row
                plan.pending[n] = (card, display, {"row": n, **question})
                return
            plan.creates.append(card)
            plan.rows.append(n)
            report.outcome(n, "create", display)
            return
        assert value is not None and fiscal is not None  # rows without them have errors
        display = _display(code, name, descriptive[1], choice, value, acquired, dept_name, status)
        self.spec._compare(report, plan, n, old, dict(zip(DESCRIPTIVE, descriptive, strict=True)), display,
                           self.present, value=value, fiscal=fiscal, quantity=v.get("quantity"),
                           class_pk=self.class_pk[choice.code], choice=choice, status=v.get("status"))


def _display(code: str, name: str, spec_model: str, choice: ClassChoice, value: Decimal | None,
             acquired: datetime.date | None, department: str, status: str) -> dict[str, str]:
    return {"legacy_code": code, "name": name, "spec_model": spec_model,
            "class_code": f"{choice.code} {choice.name}（{choice.confidence:.0%}）",
            "original_value": f"{value:,.2f}" if value is not None else "",
            "acquired_on": f"{acquired:%Y-%m-%d}" if acquired else "",
            "department": department, "status": AssetStatus(status).label}


@register
class AssetImportSpec(ImportSpec):
    kind = "assets.asset"
    label = "资产"
    permission = "assets.import_asset"
    confirm_label = "资产分类"
    streamed = True  # validated chunk by chunk as the sheet is read: memory does not grow with the ledger
    depends_on = ("assets.Asset", "org.Unit", "org.Department", "org.Person", "standards.AssetClass",
                  "standards.LegacyClassMapping")
    columns = (
        Column("legacy_code", "原资产编号", ("资产编号", "卡片编号", "原卡片编号", "资产代码", "资产卡片编号",
                                           "卡片号", "原编号", "资产编码"), True, lambda v: parse_code(v, max_length=64),
               "原台账中的资产编号；同一单位再次导入同一编号时更新该资产，不会重复新增。", width=16, as_text=True),
        Column("name", "资产名称", ("名称", "资产名", "品名", "设备名称", "物品名称"), True, _text(200), width=22),
        Column("spec_model", "规格型号", ("规格", "型号", "规格/型号", "规格及型号", "型号规格"), False, _text(200),
               width=18),
        Column("brand", "品牌", ("厂牌", "品牌名称", "品牌商标"), False, _text(100)),
        Column("class_code", "分类代码", ("资产分类代码", "资产分类编码", "分类编码", "国标分类代码", "分类号",
                                        "资产类别代码", "国标代码"), False, _class_code,
               "GB/T 14885-2022 分类代码（如 A02010105）；也可填 2010 版 7 位代码或 2013 版品目代码，系统自动对照。"
               "留空时按名称和型号自动推荐分类。", width=14, as_text=True),
        Column("class_name", "资产分类", ("分类名称", "资产类别", "类别", "资产分类名称"), False, _text(100),
               "原台账中的分类名称，仅用于辅助推荐分类。", in_template=False),
        Column("quantity", "数量", ("数量（台/件）", "资产数量"), False, _quantity, "正整数，留空为 1。", width=8),
        Column("measure_unit", "计量单位", ("数量单位", "单位名称（计量）"), False, _text(10), "如 台、件、套；留空为 台。",
               width=8),
        Column("original_value", "原值", ("价值", "金额", "原值（元）", "账面原值", "资产原值", "价值（元）",
                                          "金额（元）", "账面价值", "入账价值"), True, _amount,
               "单位：元，可带千分位逗号。", width=12),
        Column("value_fiscal", "财政拨款", ("其中：财政拨款", "财政性资金", "财政资金", "财政拨款（元）"), False, _amount,
               "原值中财政拨款部分；与非财政拨款都留空时视为全部为财政拨款。", width=12),
        Column("value_nonfiscal", "非财政拨款", ("其中：非财政拨款", "非财政性资金", "非财政资金", "自有资金", "其他资金",
                                                 "非财政拨款（元）"), False, _amount, width=12),
        Column("accumulated_depreciation", "累计折旧", ("累计折旧（元）", "已提折旧", "累计折旧额", "累计已提折旧"), False,
               _amount, "导入时已计提的累计折旧，不能超过原值。", width=12),
        Column("acquired_on", "取得日期", ("购置日期", "购买日期", "购入日期", "取得时间", "购置时间"), True, parse_date,
               "如 2019-05-01、2019年5月、2019.5。", width=12),
        Column("booked_on", "入账日期", ("记账日期", "入账时间", "登记日期", "建卡日期"), False, parse_date,
               "留空时取取得日期。", width=12),
        Column("acquisition_method", "取得方式", ("增加方式", "购置方式", "来源"), False, ACQUISITION,
               "留空为 新购。", choices=tuple(AcquisitionMethod.labels)),
        Column("department", "使用部门", ("部门", "使用科室", "所在部门", "使用处室", "管理部门"), False, _text(100),
               "本单位内设机构名称；系统中没有的部门记入备注。", width=14),
        Column("custodian", "使用人", ("保管人", "责任人", "领用人", "使用人员"), False, _text(50),
               "本单位人员姓名；系统中没有或重名的记入备注。"),
        Column("location", "存放地点", ("存放位置", "放置地点", "位置", "地点", "存放处"), False, _text(200), width=18),
        Column("status", "使用状况", ("使用状态", "状态", "资产状态", "使用情况"), False, _status,
               "留空为 在用。", choices=tuple(label for s, label in AssetStatus.choices
                                          if s not in (AssetStatus.DRAFT, AssetStatus.DISPOSED))),
        Column("supplier", "供应商", ("生产厂家", "厂家", "销售商", "生产厂商"), False, _text(200)),
        Column("serial_number", "出厂编号", ("序列号", "SN", "出厂号"), False, _text(100)),
        Column("voucher_no", "记账凭证号", ("凭证号", "会计凭证号"), False, _text(64)),
        Column("notes", "备注", ("说明", "备注说明"), False, _text(1000), width=20),
    )
    example = {"legacy_code": "LEGACY-EXAMPLE", "name": "台式计算机", "spec_model": "联想启天M430",
               "brand": "联想", "class_code": "A02010105", "quantity": 1, "measure_unit": "台",
               "original_value": "5,600.00", "value_fiscal": "5,600.00", "value_nonfiscal": "0",
               "accumulated_depreciation": "1,200.00", "acquired_on": "2021-05-10", "booked_on": "2021-05-20",
               "acquisition_method": "新购", "department": "办公室", "custodian": "张三", "location": "办公楼301室",
               "status": "在用", "supplier": "", "serial_number": "", "voucher_no": "", "notes": ""}
    notes = (
        "先在上方选择导入到哪个单位；只能选择您有权管理的单位。",
        "旧台账可直接上传：表头前的标题行、合并的表头、“资产编号/卡片编号”“价值/金额”“购置日期”等常见列名都能识别。",
        "以“原资产编号”识别资产：同一单位再次导入同一编号时更新该资产，不会重复新增。",
        "分类代码可填 2022 版分类代码、2010 版 7 位代码或 2013 版品目代码；没有或无法对照时按名称和型号推荐分类，"
        "把握不大的行需在预览中逐行确认（可一键接受推荐）。",
        "导入的资产直接记为已入账（原台账中已在账），累计折旧作为期初累计折旧。",
        "导入是“全部成功或全部不导入”：任何一行有错，都不会写入任何数据。",
    )
    preview_keys = ("legacy_code", "name", "spec_model", "class_code", "original_value", "acquired_on",
                    "department", "status")
    preview_labels = {"class_code": "资产分类（GB/T 14885-2022）"}
    url_names = {"upload": "assets:asset_import", "template": "assets:asset_import_template",
                 "preview": "assets:asset_import_preview", "commit": "assets:asset_import_commit",
                 "errors": "assets:asset_import_errors", "decide": "assets:asset_import_decide",
                 "list": "assets:asset_list"}

    # -- upload options ---------------------------------------------------------------------------

    def units_for(self, user: Any) -> list[Unit]:
        allowed = allowed_unit_ids(user)
        units = Unit.objects.filter(is_active=True).order_by("tree_path")
        if allowed is not None:
            units = units.filter(pk__in=allowed)
        return list(units)

    def upload_options(self, user: Any) -> list[dict[str, Any]]:
        units = self.units_for(user)
        return [{"name": "unit", "label": "导入到单位", "required": True,
                 "choices": [(str(u.pk), u.name) for u in units],
                 "initial": str(units[0].pk) if len(units) == 1 else "",
                 "help": "旧台账中的资产将登记为该单位的资产。"}]

    def clean_options(self, data: Any, user: Any) -> dict[str, Any]:
        raw = str(data.get("unit") or "").strip()
        if not raw:
            raise ValidationFailed("请选择导入到哪个单位。", fields={"unit": ["请选择导入到哪个单位。"]})
        allowed = {u.pk: u for u in self.units_for(user)}
        if not raw.isdigit() or int(raw) not in allowed:
            raise ValidationFailed("您无权为该单位导入资产。", fields={"unit": ["您无权为该单位导入资产。"]})
        return {"unit": int(raw)}

    def describe_options(self, options: dict[str, Any]) -> str:
        name = Unit.objects.filter(pk=options.get("unit")).values_list("name", flat=True).first()
        return f"导入到：{name}" if name else ""

    def decision_choices(self) -> list[tuple[str, str]]:
        classifier = classify.get_classifier()
        parents = set(classifier.parents.values())
        return [(code, name) for code, name in sorted(classifier.classes.items()) if code not in parents]

    def check_decision(self, value: str) -> tuple[str, str]:
        from qinjian.standards.models import AssetClass

        code = _class_code(value.split()[0] if value.split() else "")
        name = AssetClass.objects.filter(code=code).values_list("name", flat=True).first()
        if name is None:
            raise CellError(f"“{value}”不是 GB/T 14885-2022 的分类代码。")
        return code, f"{code} {name}"

    # -- validation -------------------------------------------------------------------------------

    def _classify(self, classifier: classify.Classifier, name: str, spec: str, class_code: str,
                  class_name: str) -> ClassChoice | str:
        """The class of a row, or an error message for a class code that is no code at all."""
        if class_code and class_code in classifier.classes:
            old_meaning = classifier.legacy.get(("cat2013", class_code))
            if old_meaning is None or old_meaning.code in ("", class_code):
                return ClassChoice(class_code, classifier.classes[class_code], 1.0, "分类代码", True)
            # The code is a 2022 class and also a 2013-catalogue code meaning another class: the name decides.
            by_name = classifier.suggest(name, spec)
            for code, what in ((old_meaning.code, "按 2013 版品目代码对照"), (class_code, "按 2022 版分类代码")):
                if by_name.code and classifier._is_under(by_name.code, code):
                    return ClassChoice(code, classifier.classes[code], 0.95, f"{what}（与名称一致）", True)
            return ClassChoice(class_code, classifier.classes[class_code], 0.6,
                               f"代码 {class_code} 在 2022 版为“{classifier.classes[class_code]}”，在 2013 版品目中为"
                               f"“{old_meaning.legacy_name}”，请确认", False)
        if class_code and not _LEGACY_CODE.match(class_code):
            return f"“{class_code}”不是有效的分类代码（应为 2022 版分类代码、2010 版 7 位代码或 2013 版品目代码）。"
        found = classifier.suggest(name, spec, class_code)
        if class_name and (not found.code or found.is_low_confidence) and not (class_code and found.method == "legacy"):
            by_class = classifier.suggest(class_name)
            if by_class.code and by_class.confidence > found.confidence:
                found = classify.Suggestion(by_class.code, by_class.class_name, by_class.confidence,
                                            f"原分类名称“{class_name}”：{by_class.reason}", by_class.method)
        if found.method == "legacy" and found.code in set(classifier.parents.values()):
            # an old code mapped to a whole branch (2020000 办公设备): the name may say where below it
            by_name = classifier.suggest(name, spec)
            if by_name.code and by_name.code != found.code and classifier._is_under(by_name.code, found.code):
                found = classify.Suggestion(by_name.code, by_name.class_name, max(by_name.confidence, 0.9),
                                            f"{found.reason}，按名称细分：{by_name.reason}", by_name.method)
            else:
                found = classify.Suggestion(found.code, found.class_name, 0.7,
                                            f"{found.reason}，该分类是大类，请细分", "legacy-broad")
        firm = found.method == "legacy" and found.confidence >= 0.95
        confidence = found.confidence
        if class_code and found.method != "legacy" and "按名称细分" not in found.reason:
            confidence = min(confidence, 0.6)  # an old code that did not map: always ask
        return ClassChoice(found.code, found.class_name, confidence, found.reason, firm)

    def validate(self, table: Table, *, user: Any, report: Report, progress: Progress) -> AssetPlan:
        from qinjian.standards.models import AssetClass

        from .models import Asset

        unit_id = report.options.get("unit")
        allowed = allowed_unit_ids(user)
        unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
        if unit is None or (allowed is not None and unit.pk not in allowed):
            raise ImportRefused("您无权为该单位导入资产，或该单位已停用。请重新选择单位后上传。")
        check = _RowCheck(self, report, unit, table.present)
        check.class_pk = dict(AssetClass.objects.values_list("code", "pk"))
        for dept in Department.objects.filter(unit=unit, is_active=True):
            check.depts.setdefault(_person_key(dept.name), dept.pk)
        for pk, name in Person.objects.filter(unit=unit).values_list("pk", "name"):
            key = _person_key(name)
            check.people[key] = None if key in check.people else pk  # two people of that name: ambiguous
        done = 0
        for chunk in table.chunks(CHUNK):  # set-based per chunk; the rows themselves are not kept
            codes = sorted({str(r.values["legacy_code"]) for r in chunk if r.values.get("legacy_code")})
            existing: dict[str, Any] = {}
            for card in Asset.objects.filter(unit=unit, legacy_code__in=codes).select_related("asset_class"):
                existing.setdefault(card.legacy_code, card)
            for parsed in chunk:
                check.row(parsed, existing.get(parsed.values.get("legacy_code") or ""))
            done += len(chunk)
            progress("validate", done, 0)
        return check.plan

    def _compare(self, report: Report, plan: AssetPlan, n: int, old: Any, fields: dict[str, Any],
                 display: dict[str, str], present: Any, *, value: Decimal, fiscal: Decimal, quantity: int | None,
                 class_pk: int, choice: ClassChoice, status: str | None) -> None:
        from .models import Asset

        if quantity is not None and quantity != old.quantity:
            report.error(n, "quantity", f"已导入的资产“{old.code}”数量为 {old.quantity}，数量变动请在资产卡片上办理，"
                                        "不能通过再次导入修改。")
            return
        if old.status == AssetStatus.DRAFT:
            report.error(n, "legacy_code", f"原资产编号“{old.legacy_code}”对应的资产“{old.code}”尚未入账，请先办理入账。")
            return
        def in_file(key: str) -> bool:  # a column the file leaves out changes nothing
            column = key.removesuffix("_id")
            return bool(present(column)) or (key == "notes" and (present("department") or present("custodian")))

        changed = {k: val for k, val in fields.items() if in_file(k) and getattr(old, k) != val}
        def label(key: str) -> str:
            return str(getattr(Asset._meta.get_field(key.removesuffix("_id")), "verbose_name", key))

        changes = [f"{label(k)}：{getattr(old, k) or '（空）'} → {val or '（空）'}"
                   for k, val in changed.items() if not k.endswith("_id")]
        changes += [f"{label(k)}已变更" for k in changed if k.endswith("_id")]
        plan.seen.setdefault(old.pk, old.updated_at)
        if value != old.original_value or fiscal != old.value_fiscal:
            plan.revalue.append((old.pk, value, fiscal))
            changes.append(f"原值：{old.original_value:,.2f} → {value:,.2f}")
        if class_pk != old.asset_class_id:
            plan.reclass.append((old.pk, class_pk))
            changes.append(f"资产分类：{old.class_code} → {choice.code} {choice.name}")
        if status and status != old.status:
            plan.restatus.append((old.pk, status))
            changes.append(f"使用状况：{old.get_status_display()} → {AssetStatus(status).label}")
        if not changes:
            plan.seen.pop(old.pk, None)
            report.outcome(n, "unchanged", display)
            return
        if changed:
            plan.updates.append((old.pk, old.updated_at, changed))
        report.outcome(n, "update", display, changes)

    def apply_decisions(self, plan: AssetPlan, decisions: dict[int, str]) -> Decided | None:
        """Give the waiting rows the classes the user chose (codes checked by ``check_decision``)."""
        from qinjian.standards.models import AssetClass

        wanted = {decisions[row] for row in plan.pending if decisions.get(row)}
        classes = {code: (pk, name) for code, pk, name in
                   AssetClass.objects.filter(code__in=wanted).values_list("code", "pk", "name")}
        resolved: dict[int, dict[str, str]] = {}
        for row in sorted(plan.pending):
            code = decisions.get(row) or ""
            if code not in classes:
                continue
            card, display, _ = plan.pending.pop(row)
            plan.creates.append((*card[:_CLASS_AT], classes[code][0], *card[_CLASS_AT + 1:]))
            plan.rows.append(row)
            resolved[row] = {**display, "class_code": f"{code} {classes[code][1]}（已确认）"}
        if resolved and plan.rows:  # cards in file order, as a full validation lists them
            order = sorted(range(len(plan.rows)), key=plan.rows.__getitem__)
            plan.creates = [plan.creates[i] for i in order]
            plan.rows = [plan.rows[i] for i in order]
        waiting = [item for _, _, item in (plan.pending[row] for row in sorted(plan.pending))]
        return Decided(resolved=resolved, pending=waiting, pending_count=len(waiting))

    # -- commit -----------------------------------------------------------------------------------

    def commit(self, plan: AssetPlan, *, user: Any, progress: Progress) -> dict[str, int]:
        from qinjian.standards.models import AssetClass

        from .models import Asset
        from .services import ledger
        from .services.bulk import bulk_book_rows

        self._recheck(plan)
        total = len(plan.creates)

        def cards() -> Iterator[tuple[Any, ...]]:
            for done, card in enumerate(plan.creates, start=1):
                yield (*card, plan.unit_id)
                if done % 10_000 == 0:
                    progress("commit", done, total)

        created = len(bulk_book_rows((*NEW_COLUMNS, "unit_id"), cards(), actor=user, message=IMPORT_MESSAGE,
                                     event_kind=EventKind.IMPORTED))
        progress("commit", created, total)
        now = timezone.now()
        touched: set[str] = set()
        for start in range(0, len(plan.updates), CHUNK):
            chunk = plan.updates[start:start + CHUNK]
            current = Asset.objects.in_bulk([pk for pk, _, _ in chunk])
            changes: list[Change] = []
            cards_changed = []
            for pk, _, changed in chunk:
                card = current[pk]
                before = field_snapshot(card, changed)
                for key, val in changed.items():
                    setattr(card, key, val)
                card.updated_at = now
                touched.update(k.removesuffix("_id") for k in changed)
                changes.append(Change(card, ObjectChange.Action.UPDATE, before=before,
                                      after=field_snapshot(card, changed), message=IMPORT_MESSAGE))
                cards_changed.append(card)
            fields = sorted({k.removesuffix("_id") for _, _, c in chunk for k in c} | {"updated_at"})
            Asset.objects.bulk_update(cards_changed, fields, batch_size=500)
            bulk_log_changes(changes)
        today = timezone.localdate()
        ledger_ids = {pk for pk, *_ in plan.revalue} | {pk for pk, _ in plan.reclass} | {pk for pk, _ in plan.restatus}
        if ledger_ids:
            locked = ledger.lock_assets(ledger_ids)
            classes = AssetClass.objects.in_bulk([c for _, c in plan.reclass])
            for pk, value, fiscal in plan.revalue:
                ledger.change_value(locked[pk], new_value=value, new_fiscal=fiscal, on=today, actor=user,
                                    message=IMPORT_MESSAGE)
            for pk, class_id in plan.reclass:
                ledger.reclassify(locked[pk], new_class=classes[class_id], on=today, actor=user,
                                  message=IMPORT_MESSAGE)
            for pk, status in plan.restatus:
                ledger.set_status(locked[pk], status=status, on=today, actor=user, message=IMPORT_MESSAGE)
        updated = len({pk for pk, _, _ in plan.updates} | ledger_ids)
        return {"created": created, "updated": updated}

    def _recheck(self, plan: AssetPlan) -> None:
        """What another import or user may have done since the preview, checked set-based before writing:
        the unit is locked (imports into one unit take turns), then no new card's 原资产编号 may exist in
        the unit by now and no card the plan changes may have changed since. Raises DomainError (nothing
        written) when the file has to be validated again."""
        from .models import Asset

        locked = list(Unit.objects.select_for_update(no_key=True).filter(pk=plan.unit_id, is_active=True)
                      .values_list("pk", flat=True))
        if not locked:
            raise DomainError("该单位已停用，本次没有导入任何数据。", code="stale")
        codes = {card[0] for card in plan.creates}
        taken: list[str] = []
        if codes:
            for (code,) in Asset.objects.filter(unit_id=plan.unit_id).exclude(legacy_code="").values_list(
                    "legacy_code").iterator(chunk_size=CHUNK):
                if code in codes:
                    taken.append(code)
        pks = sorted(plan.seen)
        moved = 0
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start:start + CHUNK]
            now = dict(Asset.objects.filter(pk__in=chunk).values_list("pk", "updated_at"))
            moved += sum(1 for pk in chunk if now.get(pk) != plan.seen[pk])
        if taken or moved:
            what = (f"原资产编号“{taken[0]}”等 {len(taken)} 项已由其他导入登记" if taken
                    else f"{moved} 项资产在预览后被修改")
            raise DomainError(f"数据在预览后发生了变化（{what}），本次没有导入任何数据。请重新上传文件。",
                              code="stale")


__all__ = ["AssetImportSpec", "AssetPlan"]

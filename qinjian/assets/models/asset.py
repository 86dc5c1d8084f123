"""The asset card (资产卡片), its 履历 (events) and the ledger journal (movements).

The card holds the current state. Every change a service makes also writes an ``AssetEvent`` (the
readable history on the card) and, when the books change, ``AssetMovement`` rows: a journal of
quantity and value by unit, class and funding source, so a ledger as of any date is a sum over the
journal up to that date, and the increases and decreases of a period are the journal between two
dates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel
from qinjian.core.scope import ScopedManager

from ..choices import (
    AcquisitionMethod,
    AssetKind,
    AssetStatus,
    DepreciationMethod,
    DisposalMethod,
    EventKind,
    MovementKind,
    ValueType,
)


class Asset(BaseModel):
    """One asset card; a batch of identical low-value items may share a card (quantity > 1)."""

    code = models.CharField("资产编号", max_length=32, unique=True)
    name = models.CharField("资产名称", max_length=200, db_index=True)
    kind = models.CharField("资产类型", max_length=16, choices=AssetKind.choices, default=AssetKind.GENERAL)
    asset_class = models.ForeignKey("standards.AssetClass", verbose_name="资产分类", on_delete=models.PROTECT,
                                    related_name="assets")
    # db_index on PostgreSQL also makes the varchar_pattern_ops "_like" index the class-subtree LIKE uses
    class_code = models.CharField("分类代码", max_length=9, db_index=True, editable=False)
    class_confirmed = models.BooleanField("分类已确认", default=True,
                                          help_text="导入时自动分类置信度低、尚待人工确认的为否。")
    legacy_code = models.CharField("原资产编号", max_length=64, blank=True, db_index=True)
    legacy_class_code = models.CharField("原分类代码", max_length=20, blank=True)
    spec_model = models.CharField("规格型号", max_length=200, blank=True)
    brand = models.CharField("品牌", max_length=100, blank=True)
    serial_number = models.CharField("出厂编号", max_length=100, blank=True)
    quantity = models.PositiveIntegerField("数量", default=1)
    measure_unit = models.CharField("计量单位", max_length=10, default="台")

    value_type = models.CharField("价值类型", max_length=16, choices=ValueType.choices, default=ValueType.COST)
    original_value = models.DecimalField("原值（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    value_fiscal = models.DecimalField("其中：财政拨款（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    value_nonfiscal = models.DecimalField("其中：非财政拨款（元）", max_digits=16, decimal_places=2, default=Decimal("0"))

    acquisition_method = models.CharField("取得方式", max_length=16, choices=AcquisitionMethod.choices,
                                          default=AcquisitionMethod.PURCHASE)
    acquired_on = models.DateField("取得日期")
    booked_on = models.DateField("入账日期", null=True, blank=True, db_index=True)
    supplier = models.CharField("供应商", max_length=200, blank=True)
    warranty_until = models.DateField("保修截止日期", null=True, blank=True)
    purchase_project = models.CharField("采购项目", max_length=200, blank=True,
                                        help_text="政府采购项目编号或名称（财务模块上线后关联项目）。")
    invoice_no = models.CharField("发票号", max_length=64, blank=True)
    voucher_no = models.CharField("记账凭证号", max_length=64, blank=True)

    status = models.CharField("使用状况", max_length=20, choices=AssetStatus.choices, default=AssetStatus.DRAFT,
                              db_index=True)
    status_since = models.DateField("状态起始日期", null=True, blank=True,
                                    help_text="进入当前使用状况的日期（闲置预警据此计算）。")
    # found through the (unit, status, code) and (unit, class) indexes: no index of its own
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="assets",
                             db_index=False)
    department = models.ForeignKey("org.Department", verbose_name="使用部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="assets")
    custodian = models.ForeignKey("org.Person", verbose_name="使用人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="assets")
    location = models.CharField("存放地点", max_length=200, blank=True)

    depreciation_method = models.CharField("折旧方法", max_length=16, choices=DepreciationMethod.choices,
                                           default=DepreciationMethod.STRAIGHT_LINE)
    useful_life_months = models.PositiveIntegerField("折旧年限（月）", null=True, blank=True)
    depreciation_start = models.DateField("开始计提月份", null=True, blank=True,
                                          help_text="当月增加当月计提：入账当月的第一天。")
    opening_depreciation = models.DecimalField("期初累计折旧（元）", max_digits=16, decimal_places=2, default=Decimal("0"),
                                               help_text="从旧台账导入时已计提的累计折旧。")
    accumulated_depreciation = models.DecimalField("累计折旧（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    depreciated_through = models.DateField("已计提至", null=True, blank=True,
                                           help_text="最近一次计提折旧的月份（该月第一天）。")

    disposed_on = models.DateField("处置日期", null=True, blank=True)
    disposal_method = models.CharField("处置方式", max_length=16, choices=DisposalMethod.choices, blank=True)
    notes = models.TextField("备注", blank=True)

    scope_unit_field = "unit"
    audit_excluded_fields = frozenset({"class_code"})

    class Meta:
        verbose_name = "资产"
        verbose_name_plural = "资产"
        ordering = ["unit__tree_path", "code"]
        permissions = [
            ("export_asset", "导出资产"),
            ("import_asset", "导入资产"),
            ("print_asset_label", "打印资产标签"),
            ("report_asset", "查看资产报表"),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "code"], name="assets_asset_unit_status"),
            # pattern opclass on PostgreSQL: "a unit's cards of class A0201 and below" (class_code LIKE
            # 'A0201%') is then one range of this index; other databases ignore opclasses
            models.Index(fields=["unit", "class_code"], name="assets_asset_unit_class",
                         opclasses=["int8_ops", "varchar_pattern_ops"]),
            models.Index(fields=["status", "status_since"], name="assets_asset_status_since"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(original_value__gte=0), name="assets_asset_value_nonneg"),
            models.CheckConstraint(
                condition=models.Q(original_value=models.F("value_fiscal") + models.F("value_nonfiscal")),
                name="assets_asset_value_split"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.asset_class_id is not None:
            code = getattr(self.asset_class, "code", None) if "asset_class" in self._state.fields_cache else None
            if code is None:
                from qinjian.standards.models import AssetClass

                code = AssetClass.objects.filter(pk=self.asset_class_id).values_list("code", flat=True).first()
            self.class_code = code or ""
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "asset_class" in update_fields:
                kwargs["update_fields"] = {*update_fields, "class_code"}
        super().save(*args, **kwargs)

    @property
    def net_value(self) -> Decimal:
        return self.original_value - self.accumulated_depreciation

    @property
    def is_on_books(self) -> bool:
        return self.status not in (AssetStatus.DRAFT, AssetStatus.DISPOSED)

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        """干部职工 see the assets in their own use."""
        return models.Q(custodian_id=getattr(user, "person_id", None) or 0)


class AssetEvent(BaseModel):
    """One line of a card's 履历: what happened, when, by which document, from what to what."""

    asset = models.ForeignKey(Asset, verbose_name="资产", on_delete=models.CASCADE, related_name="events",
                              db_index=False)  # the (asset, date) index finds a card's events
    kind = models.CharField("事项", max_length=24, choices=EventKind.choices)
    occurred_on = models.DateField("发生日期", db_index=True)
    unit = models.ForeignKey("org.Unit", verbose_name="当时所属单位", on_delete=models.PROTECT, related_name="+")
    # Filled on few events: indexed only where filled (partial indexes below), so booking, import and
    # depreciation events do not pay for them
    from_unit = models.ForeignKey("org.Unit", verbose_name="调出单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    to_unit = models.ForeignKey("org.Unit", verbose_name="调入单位", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+", db_index=False)
    person = models.ForeignKey("org.Person", verbose_name="相关人员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", db_index=False)
    operation = models.ForeignKey("assets.AssetOperation", verbose_name="业务单", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="events", db_index=False)
    status_before = models.CharField("变更前状况", max_length=20, choices=AssetStatus.choices, blank=True)
    status_after = models.CharField("变更后状况", max_length=20, choices=AssetStatus.choices, blank=True)
    value_before = models.DecimalField("变更前原值（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    value_after = models.DecimalField("变更后原值（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, null=True, blank=True,
                                 help_text="维修费用、处置收入等。")
    message = models.CharField("说明", max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_constraint=False)  # as created_by

    scope_unit_field = "unit"

    class Meta:
        verbose_name = "资产履历"
        verbose_name_plural = "资产履历"
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["asset", "occurred_on", "id"], name="assets_event_asset_date"),
            *(models.Index(fields=[name], name=f"assets_event_{name}", condition=models.Q(**{f"{name}__isnull": False}))
              for name in ("from_unit", "to_unit", "person", "operation")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", args=[self.asset_id]) + "?tab=events"


class AssetMovement(models.Model):
    """The ledger journal: one signed line per change of a unit's holdings (never edited, never deleted).

    Quantity and value deltas are split by funding source; ``class_code`` is the card's class at the
    time. Written only by the asset services (not change-logged: the card's event is the record).
    """

    # both found through the composite indexes below (asset, date) and (unit, date)
    asset = models.ForeignKey(Asset, verbose_name="资产", on_delete=models.PROTECT, related_name="movements",
                              db_index=False)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    class_code = models.CharField("分类代码", max_length=9)
    occurred_on = models.DateField("日期")
    kind = models.CharField("变动类型", max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField("数量变动", default=0)
    value = models.DecimalField("原值变动（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    value_fiscal = models.DecimalField("财政拨款变动（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    value_nonfiscal = models.DecimalField("非财政拨款变动（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    event = models.ForeignKey(AssetEvent, verbose_name="履历", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="movements")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = "资产账务变动"
        verbose_name_plural = "资产账务变动"
        ordering = ["occurred_on", "id"]
        indexes = [
            models.Index(fields=["occurred_on", "unit", "class_code"], name="assets_move_date_unit_class"),
            models.Index(fields=["unit", "occurred_on"], name="assets_move_unit_date"),
            models.Index(fields=["asset", "occurred_on"], name="assets_move_asset_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class BalanceMonth(models.Model):
    """A month-end for which ``AssetBalance`` rows are stored; ``is_valid`` drops to False when a journal
    line dated on or before it is written later (back-dated bookings, imports), until it is rebuilt."""

    month_end = models.DateField("月末日期", unique=True)
    is_valid = models.BooleanField("有效", default=True, db_index=True)
    built_at = models.DateTimeField("生成时间", null=True, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)

    class Meta:
        verbose_name = "月末余额期间"
        verbose_name_plural = "月末余额期间"
        ordering = ["-month_end"]

    def __str__(self) -> str:
        return f"{self.month_end:%Y-%m-%d}"


class AssetBalance(models.Model):
    """Month-end holdings by unit and class (the journal summed up to ``month_end``, with the accumulated
    depreciation of that day): a ledger as of any date = the last valid month-end + the journal after it."""

    month_end = models.DateField("月末日期")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    class_code = models.CharField("分类代码", max_length=9)
    quantity = models.IntegerField("数量", default=0)
    value = models.DecimalField("原值（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    value_fiscal = models.DecimalField("财政拨款（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    value_nonfiscal = models.DecimalField("非财政拨款（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    accumulated_depreciation = models.DecimalField("累计折旧（元）", max_digits=16, decimal_places=2,
                                                   default=Decimal("0"))

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = "资产月末余额"
        verbose_name_plural = "资产月末余额"
        ordering = ["month_end", "unit", "class_code"]
        constraints = [models.UniqueConstraint(fields=["month_end", "unit", "class_code"],
                                               name="assets_balance_unique")]

    def __str__(self) -> str:
        return f"{self.month_end} {self.class_code} {self.value}"

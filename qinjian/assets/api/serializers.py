"""Representations and request bodies of the asset card API.

Bodies are checked for type and shape here; the business rules (class code in GB/T 14885-2022, value
split, dates, department and person of the unit, what a booked card may change) are the services'.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qinjian.core.api.fields import InScopeRelatedField
from qinjian.core.api.serializers import FastReadMixin, InputSerializer
from qinjian.org.models import Department, Person, Unit

from ..choices import AcquisitionMethod, AssetKind, ValueType
from ..models import Asset, AssetEvent

MAX_VALUE = Decimal("10000000000")


class _UnitRef(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name"]


class _DepartmentRef(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class _PersonRef(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "code", "name"]


class AssetSerializer(FastReadMixin, serializers.ModelSerializer):
    class_name = serializers.CharField(source="asset_class.name", read_only=True, label="分类名称")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="资产类型名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="使用状况名称")
    value_type_display = serializers.CharField(source="get_value_type_display", read_only=True, label="价值类型名称")
    acquisition_method_display = serializers.CharField(source="get_acquisition_method_display", read_only=True,
                                                       label="取得方式名称")
    unit = _UnitRef(read_only=True, label="所属单位")
    department = _DepartmentRef(read_only=True, allow_null=True, label="使用部门")
    custodian = _PersonRef(read_only=True, allow_null=True, label="使用人")
    net_value = serializers.SerializerMethodField(label="净值（元）", help_text="原值 − 累计折旧")

    class Meta:
        model = Asset
        fields = ["id", "code", "name", "kind", "kind_display", "class_code", "class_name", "class_confirmed",
                  "spec_model", "brand", "serial_number", "quantity", "measure_unit", "value_type",
                  "value_type_display", "original_value", "value_fiscal", "value_nonfiscal",
                  "accumulated_depreciation", "net_value", "acquisition_method", "acquisition_method_display",
                  "acquired_on", "booked_on", "supplier", "warranty_until", "purchase_project", "invoice_no",
                  "voucher_no", "status", "status_display", "status_since", "unit", "department", "custodian",
                  "location", "depreciation_method", "useful_life_months", "depreciation_start",
                  "depreciated_through", "disposed_on", "disposal_method", "legacy_code", "legacy_class_code",
                  "notes", "created_at", "updated_at"]

    row_sources = {"net_value": ("original_value", "accumulated_depreciation")}  # list pages: core.api.rows

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_net_value(self, asset: Asset) -> str:
        return self.row_net_value(asset.original_value, asset.accumulated_depreciation)

    @staticmethod
    def row_net_value(original: Decimal, accumulated: Decimal) -> str:
        return f"{original - accumulated:.2f}"


class AssetEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="事项名称")
    unit = _UnitRef(read_only=True, label="当时所属单位")
    from_unit = _UnitRef(read_only=True, allow_null=True, label="调出单位")
    to_unit = _UnitRef(read_only=True, allow_null=True, label="调入单位")
    person = _PersonRef(read_only=True, allow_null=True, label="相关人员")
    operation_number = serializers.CharField(source="operation.number", read_only=True, allow_null=True,
                                             default=None, label="业务单号")
    actor_name = serializers.SerializerMethodField(label="经办人")

    class Meta:
        model = AssetEvent
        fields = ["id", "kind", "kind_display", "occurred_on", "unit", "from_unit", "to_unit", "person",
                  "operation", "operation_number", "status_before", "status_after", "value_before", "value_after",
                  "amount", "message", "actor_name"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, event: AssetEvent) -> str:
        actor = event.actor
        return str(actor) if actor is not None else ""


def _text(label: str, max_length: int, *, required: bool = False, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(label=label, max_length=max_length, required=required,
                                 allow_blank=not required, **kwargs)


def _money(label: str, **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(label=label, max_digits=16, decimal_places=2, min_value=Decimal("0"),
                                    max_value=MAX_VALUE, required=False, allow_null=True, **kwargs)


class AssetUpdateInput(InputSerializer):
    """Fields of a card. On a booked card the values, quantity, unit and user change only through 业务单."""

    name = _text("资产名称", 200)
    class_code = serializers.CharField(label="分类代码（GB/T 14885-2022）", max_length=9, required=False)
    kind = serializers.ChoiceField(AssetKind.choices, label="资产类型", required=False)
    spec_model = _text("规格型号", 200)
    brand = _text("品牌", 100)
    serial_number = _text("出厂编号", 100)
    quantity = serializers.IntegerField(label="数量", min_value=1, max_value=1_000_000, required=False)
    measure_unit = _text("计量单位", 10)
    value_type = serializers.ChoiceField(ValueType.choices, label="价值类型", required=False)
    original_value = _money("原值（元）", help_text="只填原值时视为全部由财政拨款形成")
    value_fiscal = _money("其中：财政拨款（元）")
    value_nonfiscal = _money("其中：非财政拨款（元）")
    acquisition_method = serializers.ChoiceField(AcquisitionMethod.choices, label="取得方式", required=False)
    acquired_on = serializers.DateField(label="取得日期", required=False)
    supplier = _text("供应商", 200)
    warranty_until = serializers.DateField(label="保修截止日期", required=False, allow_null=True)
    purchase_project = _text("采购项目", 200)
    invoice_no = _text("发票号", 64)
    voucher_no = _text("记账凭证号", 64)
    department = InScopeRelatedField(queryset=Department.objects.all(), required=False, allow_null=True,
                                     label="使用部门编号")
    custodian = InScopeRelatedField(queryset=Person.objects.all(), required=False, allow_null=True,
                                    label="使用人编号")
    location = _text("存放地点", 200)
    legacy_code = _text("原资产编号", 64)
    notes = _text("备注", 5000)
    unit = InScopeRelatedField(queryset=Unit.objects.all(), required=False, label="所属单位编号",
                               help_text="只有待入账的卡片可以改所属单位；已入账资产请办理调拨")


class AssetCreateInput(AssetUpdateInput):
    name = _text("资产名称", 200, required=True)
    class_code = serializers.CharField(label="分类代码（GB/T 14885-2022）", max_length=9)
    unit = InScopeRelatedField(queryset=Unit.objects.all(), label="所属单位编号")
    acquired_on = serializers.DateField(label="取得日期")


class ClassifyInput(InputSerializer):
    names = serializers.ListField(child=serializers.CharField(max_length=500, allow_blank=True, trim_whitespace=False),
                                  max_length=1000, allow_empty=False, label="资产名称（最多 1000 个）",
                                  help_text="每项一个资产名称，可带规格型号")


class ClassifyResult(serializers.Serializer):
    name = serializers.CharField(label="资产名称")
    code = serializers.CharField(label="推荐分类代码", help_text="无法识别时为空字符串")
    class_name = serializers.CharField(label="分类名称")
    confidence = serializers.FloatField(label="可信度（0–1）")
    low_confidence = serializers.BooleanField(label="可信度低，需人工确认")
    reason = serializers.CharField(label="推荐依据")


class ClassifyOutput(serializers.Serializer):
    results = ClassifyResult(many=True, label="按输入顺序的推荐结果")

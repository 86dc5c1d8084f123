"""Representations (reads and write answers) and request bodies of the org API.

Bodies are validated for type and shape here; the business rules (unique codes, credit-code
checksum, tree moves, ...) are the services' and come back as the same error shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qinjian.core.api.fields import InScopeRelatedField, RelatedIdField, UnchangeableField
from qinjian.core.api.serializers import InputSerializer

from ..choices import AdminLevel, Gender, PersonStatus, StaffingType, UnitType
from ..models import Department, Person, Rank, Region, Unit

MAX_INT = 2**31 - 1


# --- references to related rows inside a representation -------------------------------------------

class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name"]


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class RankRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rank
        fields = ["id", "code", "name"]


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


# --- representations ---------------------------------------------------------------------------

class RegionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True, label="层级名称")

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_display", "parent"]


class RankSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True, label="机关层级名称")

    class Meta:
        model = Rank
        fields = ["id", "code", "name", "level", "level_display", "sort_order", "is_leader", "source"]


class UnitSerializer(serializers.ModelSerializer):
    unit_type_display = serializers.CharField(source="get_unit_type_display", read_only=True, label="单位类型名称")
    level_display = serializers.CharField(source="get_level_display", read_only=True, label="行政层级名称")
    parent = UnitRefSerializer(read_only=True, allow_null=True, label="上级单位")
    region = RegionRefSerializer(read_only=True, allow_null=True, label="所在区划")
    staffing_quota = serializers.IntegerField(read_only=True, label="编制总数")

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "credit_code", "unit_type", "unit_type_display", "level",
                  "level_display", "region", "parent", "depth", "sort_order", "address", "contact_phone",
                  "quota_admin", "quota_institution", "quota_worker", "staffing_quota", "is_active", "remark",
                  "created_at", "updated_at"]


class DepartmentSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True, label="所属单位")

    class Meta:
        model = Department
        fields = ["id", "unit", "code", "name", "sort_order", "is_active", "created_at", "updated_at"]


class PersonSerializer(serializers.ModelSerializer):
    gender_display = serializers.CharField(source="get_gender_display", read_only=True, label="性别名称")
    staffing_type_display = serializers.CharField(source="get_staffing_type_display", read_only=True,
                                                  label="编制类型名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    unit = UnitRefSerializer(read_only=True, label="所在单位")
    department = DepartmentRefSerializer(read_only=True, allow_null=True, label="所在部门")
    rank = RankRefSerializer(read_only=True, allow_null=True, label="职级")
    phone = serializers.SerializerMethodField(label="手机号码",
                                              help_text="没有“查看完整手机号码”权限时只显示前 3 位和后 4 位")

    class Meta:
        model = Person
        fields = ["id", "code", "name", "gender", "gender_display", "unit", "department", "rank", "post",
                  "staffing_type", "staffing_type_display", "status", "status_display", "phone", "sort_order",
                  "is_active", "created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone(self, person: Person) -> str:
        return person.phone if self.context.get("can_view_phone") else person.phone_masked


# --- request bodies ------------------------------------------------------------------------------

def _text(label: str, max_length: int, *, required: bool = False, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(label=label, max_length=max_length, required=required,
                                 allow_blank=not required, **kwargs)


class UnitUpdateInput(InputSerializer):
    code = _text("单位编码", 32, required=True)
    name = _text("单位名称", 100, required=True)
    short_name = _text("简称", 50)
    credit_code = _text("统一社会信用代码", 32, allow_null=True, help_text="18 位，校验位须正确；可为空")
    unit_type = serializers.ChoiceField(UnitType.choices, label="单位类型")
    level = serializers.ChoiceField(AdminLevel.choices, label="行政层级")
    region = RelatedIdField(queryset=Region.objects.all(), required=False, allow_null=True, label="所在区划编号")
    parent = UnchangeableField(attname="parent_id", label="上级单位编号",  # type: ignore[assignment]
                               message="上级单位不能在此修改，请使用“调整上级单位”接口（POST units/{id}/move/）。")
    sort_order = serializers.IntegerField(label="排序", min_value=0, max_value=MAX_INT, required=False)
    address = _text("地址", 200)
    contact_phone = _text("办公电话", 32)
    quota_admin = serializers.IntegerField(label="行政编制数", min_value=0, max_value=100000, required=False)
    quota_institution = serializers.IntegerField(label="事业编制数", min_value=0, max_value=100000, required=False)
    quota_worker = serializers.IntegerField(label="工勤编制数", min_value=0, max_value=100000, required=False)
    remark = _text("备注", 2000)


class UnitCreateInput(UnitUpdateInput):
    parent = InScopeRelatedField(queryset=Unit.objects.all(), allow_null=True, label="上级单位编号",  # type: ignore[assignment]
                                 help_text="须在您的数据范围内；为 null 表示顶级单位（仅“全部数据”范围的角色可以）")


class UnitMoveInput(InputSerializer):
    parent = InScopeRelatedField(queryset=Unit.objects.all(), allow_null=True, label="新的上级单位编号",  # type: ignore[assignment]
                                 help_text="须在您的数据范围内，且不能是本单位或其下级单位；null 表示移为顶级单位")


class DepartmentUpdateInput(InputSerializer):
    unit = UnchangeableField(attname="unit_id", label="所属单位编号",  # type: ignore[assignment]
                             message="部门的所属单位不能修改，请在新单位下新增部门。")
    code = _text("部门编码", 32, required=True)
    name = _text("部门名称", 100, required=True)
    sort_order = serializers.IntegerField(label="排序", min_value=0, max_value=MAX_INT, required=False)


class DepartmentCreateInput(DepartmentUpdateInput):
    unit = InScopeRelatedField(queryset=Unit.objects.all(), label="所属单位编号")  # type: ignore[assignment]


class PersonInput(InputSerializer):
    code = _text("人员编号", 32, required=True)
    name = _text("姓名", 50, required=True)
    gender = serializers.ChoiceField(Gender.choices, label="性别")
    unit = InScopeRelatedField(queryset=Unit.objects.all(), label="所在单位编号")
    department = InScopeRelatedField(queryset=Department.objects.all(), required=False, allow_null=True,
                                     label="所在部门编号")
    rank = RelatedIdField(queryset=Rank.objects.all(), required=False, allow_null=True, label="职级编号")
    post = _text("职务", 100)
    staffing_type = serializers.ChoiceField(StaffingType.choices, label="编制类型", required=False)
    status = serializers.ChoiceField(PersonStatus.choices, label="状态", required=False)
    phone = _text("手机号码", 32, help_text="11 位手机号码，可为空")
    sort_order = serializers.IntegerField(label="排序", min_value=0, max_value=MAX_INT, required=False)


class PersonDeactivateInput(InputSerializer):
    status = serializers.ChoiceField(PersonStatus.choices, label="离开原因", required=False,
                                     default=PersonStatus.TRANSFERRED,
                                     help_text="transferred（调离，默认）或 retired（退休）")

    def validate_status(self, value: str) -> str:
        if value == PersonStatus.ACTIVE:
            raise serializers.ValidationError("停用人员时状态应为“调离”或“退休”。")
        return value

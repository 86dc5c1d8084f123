"""Read-only representations of the standards API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import AssetClass, LegacyClassMapping, StandardRow, StandardTable, StandardVersion
from ..models.tables import parse_value


class VersionSummarySerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = StandardVersion
        fields = ["id", "code", "doc_no", "doc_title", "effective_from", "effective_to", "status", "status_display"]


class StandardTableSerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField(help_text="今天生效的版本；没有时为 null")
    versions = serializers.SerializerMethodField()

    class Meta:
        model = StandardTable
        fields = ["id", "name", "title", "category", "description", "key_columns", "value_columns",
                  "current_version", "versions"]

    @extend_schema_field(VersionSummarySerializer(allow_null=True))
    def get_current_version(self, obj: StandardTable) -> Any:
        version = self.context.get("current", {}).get(obj.pk)
        return VersionSummarySerializer(version).data if version else None

    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_versions(self, obj: StandardTable) -> Any:
        return VersionSummarySerializer(obj.versions.all(), many=True).data


def typed_values(table: StandardTable, values: dict[str, Any]) -> dict[str, Any]:
    """Values as JSON: decimals as strings (exact), integers as numbers, unknown as null."""
    out: dict[str, Any] = {}
    for col in table.value_columns:
        value = parse_value(values.get(col["name"]), col.get("type", "text"))
        out[col["name"]] = str(value) if col.get("type") == "decimal" and value is not None else value
    return out


class RowSerializer(serializers.ModelSerializer):
    values = serializers.SerializerMethodField(help_text="按数值列类型：数值为字符串（精确小数），整数为数字，未知为 null")

    class Meta:
        model = StandardRow
        fields = ["key", "values", "confidence", "note"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_values(self, obj: StandardRow) -> Any:
        return typed_values(obj.version.table, obj.values)


class StandardVersionSerializer(VersionSummarySerializer):
    table: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="name", read_only=True)
    rows = RowSerializer(many=True, read_only=True)

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "table", "note", "rows"]


class LookupRowSerializer(serializers.Serializer):
    key = serializers.DictField(child=serializers.CharField())
    values = serializers.DictField()
    confidence = serializers.CharField()
    note = serializers.CharField()


class LookupSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    on = serializers.DateField()
    version = serializers.DictField()
    rows = LookupRowSerializer(many=True)


class AssetClassSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AssetClass
        fields = ["id", "code", "name", "level", "parent_code", "path_names", "is_manual"]


class LegacyClassMappingSerializer(serializers.ModelSerializer):
    code_2022 = serializers.CharField(source="asset_class.code", read_only=True, allow_null=True, default=None)
    name_2022 = serializers.CharField(source="asset_class.name", read_only=True, allow_null=True, default=None)
    is_mapped = serializers.BooleanField(read_only=True)

    class Meta:
        model = LegacyClassMapping
        fields = ["id", "scheme", "legacy_code", "legacy_name", "code_2022", "name_2022", "is_mapped", "match",
                  "confidence", "source", "note"]

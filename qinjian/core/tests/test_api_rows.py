"""core.api.rows: a serializer compiled to columns and converters gives DRF's output from row tuples, and
refuses, when it is built, any field it could not represent exactly."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from qinjian.core.api.rows import RowReader

# core knows no domain app (import-linter): a concrete business model is looked up, not imported
Unit = apps.get_model("org", "Unit")

pytestmark = pytest.mark.django_db


class _ParentRef(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class _UnitRow(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    parent = _ParentRef(read_only=True, allow_null=True)
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True, default=None)
    quota_total = serializers.SerializerMethodField()
    row_sources = {"quota_total": ("quota_admin", "quota_institution", "quota_worker")}

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "credit_code", "level", "level_display", "parent",
                  "parent_name", "region", "depth", "is_active", "quota_total", "created_at", "updated_at"]

    def get_quota_total(self, unit):
        return unit.quota_admin + unit.quota_institution + unit.quota_worker

    @staticmethod
    def row_quota_total(admin, institution, worker):
        return admin + institution + worker


def test_rows_give_the_serializer_output(mini_city):
    Unit.objects.filter(pk=mini_city.edu.pk).update(short_name='教"育"<局>', quota_admin=12, quota_worker=3)
    reader = RowReader(_UnitRow)
    queryset = Unit.objects.order_by("tree_path")
    got = reader.represent(reader.rows(queryset))
    expected = json.loads(json.dumps(_UnitRow(queryset.select_related("parent"), many=True).data))
    assert got == expected and len(got) >= 3
    roots = [row for row in got if row["parent"] is None]
    assert roots and all(row["parent_name"] is None for row in roots)
    edu = next(row for row in got if row["id"] == mini_city.edu.pk)
    assert edu["quota_total"] == 15 and edu["parent"]["id"] == mini_city.edu.parent_id


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_times_follow_the_active_time_zone_as_drf_does(mini_city, zone):
    from django.utils import timezone

    reader = RowReader(_UnitRow)
    with timezone.override(zone):
        got = reader.represent(reader.rows(Unit.objects.order_by("pk")))
        expected = json.loads(json.dumps(_UnitRow(Unit.objects.order_by("pk"), many=True).data))
    assert [r["created_at"] for r in got] == [r["created_at"] for r in expected]
    assert got[0]["created_at"].endswith("Z" if zone == "UTC" else "+08:00")


def test_columns_are_fetched_once_and_nested_keys_mark_nulls():
    reader = RowReader(_UnitRow)
    assert len(reader.columns) == len(set(reader.columns))
    assert "parent_id" in reader.columns and "parent__name" in reader.columns and "level" in reader.columns
    assert "parent__id" not in reader.columns  # the nested id is the foreign key itself


def _serializer(**declared):
    meta = type("Meta", (), {"model": Unit, "fields": ["id", *declared]})
    return type("S", (serializers.ModelSerializer,), {"Meta": meta, **declared})


@pytest.mark.parametrize(("declared", "message"), [
    ({"total": serializers.SerializerMethodField()}, "needs row_total"),
    ({"link": serializers.HyperlinkedIdentityField(view_name="org-api:unit-detail")}, "only primary-key"),
    ({"whole": serializers.CharField(source="*", read_only=True)}, "needs the whole object"),
    ({"children": serializers.PrimaryKeyRelatedField(many=True, read_only=True)}, "many-valued"),
    ({"parent_name": serializers.CharField(source="parent.name", read_only=True)}, "nullable relation"),
    ({"parent": _ParentRef(read_only=True)}, "nullable relation needs allow_null"),
    ({"label": serializers.CharField(source="__str__", read_only=True)}, "is not a column"),
])
def test_what_rows_cannot_represent_is_refused_when_built(declared, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        RowReader(_serializer(**declared))


# --- LeanFilterSet: filters copied shallowly per request, the form class built once ---------------------------

def _lean_filterset():
    import django_filters

    from qinjian.core.api.filters import LeanFilterSet

    class UnitQuery(LeanFilterSet):
        level = django_filters.ChoiceFilter(choices=[("city", "市级"), ("county", "县级")], label="层级")
        name = django_filters.CharFilter(method="filter_name", max_length=10, label="名称")

        class Meta:
            model = Unit
            fields = ["level", "name"]

        def filter_name(self, queryset, name, value):
            self.seen = value  # the method runs on this request's filter set, not on a shared one
            return queryset.filter(name__contains=value)

    return UnitQuery


def test_lean_filter_sets_filter_per_request_and_share_only_the_form_class(mini_city):
    from django.http import QueryDict

    query = _lean_filterset()
    first = query(QueryDict("name=教育"), queryset=Unit.objects.all())
    second = query(QueryDict("name=卫生&level=nope"), queryset=Unit.objects.all())
    assert list(first.qs) == list(Unit.objects.filter(name__contains="教育")) and first.seen == "教育"
    assert not second.is_valid() and "level" in second.errors
    assert first.filters["name"] is not second.filters["name"] is not query.base_filters["name"]
    assert type(first.form) is type(second.form) and first.form is not second.form
    assert first.form.cleaned_data["name"] == "教育" and second.form.data["name"] == "卫生"
    too_long = query(QueryDict("name=" + "长" * 11), queryset=Unit.objects.all())
    assert not too_long.is_valid() and "name" in too_long.errors


def test_lean_filter_sets_refuse_request_dependent_filters():
    import django_filters

    from qinjian.core.api.filters import LeanFilterSet

    with pytest.raises(ImproperlyConfigured, match="request-dependent"):
        class _Scoped(LeanFilterSet):
            parent = django_filters.ModelChoiceFilter(queryset=lambda request: Unit.objects.all())

            class Meta:
                model = Unit
                fields = ["parent"]

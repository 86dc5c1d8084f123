"""Org endpoints under /api/org/: units, departments, people; ranks and regions read-only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.viewsets import CreateMixin, ListRetrieveMixin, ScopedViewSet, UpdateMixin
from qinjian.core.errors import ValidationFailed
from qinjian.core.scope import DataScope, active_assignment

from ..models import Department, Person, Rank, Region, Unit
from ..services.people import person_create, person_deactivate, person_update
from ..services.units import (
    department_create,
    department_deactivate,
    department_update,
    unit_activate,
    unit_create,
    unit_deactivate,
    unit_move,
    unit_update,
)
from . import serializers as s
from .filters import DepartmentFilter, PersonFilter, RankFilter, RegionFilter, UnitFilter

TAGS = ["组织机构"]


def _require_root_allowed(user: Any) -> None:
    """Only a role whose scope is every unit may place a unit at the top of the tree."""
    assignment = active_assignment(user)
    if assignment is None or assignment.scope != DataScope.ALL:
        raise ValidationFailed("请选择上级单位：只有数据范围为“全部数据”的角色可以设置顶级单位。",
                               fields={"parent": ["请选择上级单位。"]})


class UnitViewSet(ListRetrieveMixin, CreateMixin, UpdateMixin, ScopedViewSet):
    """单位（组织机构树）。列表按树的顺序排列；`within=<单位编号>` 取该单位及其全部下级单位。
    修改上级单位请用 move 接口；单位只停用、不删除。"""

    queryset = Unit.objects.select_related("parent", "region")
    serializer_class = s.UnitSerializer
    write_serializer_class = s.UnitCreateInput
    update_serializer_class = s.UnitUpdateInput
    filterset_class = UnitFilter
    search_fields = ["name", "short_name", "code", "credit_code"]
    ordering_fields = ["code", "name", "sort_order", "level", "depth", "created_at", "updated_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema_tags = TAGS

    def perform_create(self, data: dict[str, Any]) -> Unit:
        parent = data.pop("parent")
        if parent is None:
            _require_root_allowed(self.request.user)
        return unit_create(parent=parent, **data)

    def perform_update(self, instance: Any, data: dict[str, Any]) -> Unit:
        return unit_update(unit=instance, **data)

    @extend_schema(request=s.UnitMoveInput, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"], permission_action="move")
    def move(self, request: Request, pk: str | None = None) -> Response:
        """调整上级单位

        把单位连同其全部下级单位移到新的上级单位之下。不能移到本单位或其下级单位之下；
        需要“调整上级单位”权限，单位和新上级都须在您的数据范围内。"""
        unit = self.get_object()
        data = self.validate_input(s.UnitMoveInput, request.data)
        if data["parent"] is None:
            _require_root_allowed(request.user)
        return Response(self.represent(unit_move(unit=unit, new_parent=data["parent"])))

    @extend_schema(request=None, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"], permission_action="change")
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """停用单位

        单位还有启用中的下级单位或在册人员时不能停用。需要“修改单位”权限（单位只停用、不删除）。"""
        return Response(self.represent(unit_deactivate(unit=self.get_object())))

    @extend_schema(request=None, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"], permission_action="change")
    def activate(self, request: Request, pk: str | None = None) -> Response:
        """重新启用单位

        上级单位已停用时不能启用。需要“修改单位”权限。"""
        return Response(self.represent(unit_activate(unit=self.get_object())))


class DepartmentViewSet(ListRetrieveMixin, CreateMixin, UpdateMixin, ScopedViewSet):
    """内设机构（部门）。所属单位创建后不能修改；部门只停用、不删除。"""

    queryset = Department.objects.select_related("unit")
    serializer_class = s.DepartmentSerializer
    write_serializer_class = s.DepartmentCreateInput
    update_serializer_class = s.DepartmentUpdateInput
    filterset_class = DepartmentFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "sort_order", "created_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema_tags = TAGS

    def perform_create(self, data: dict[str, Any]) -> Department:
        return department_create(**data)

    def perform_update(self, instance: Any, data: dict[str, Any]) -> Department:
        current = {"code": instance.code, "name": instance.name, "sort_order": instance.sort_order}
        return department_update(department=instance, **(current | data))

    @extend_schema(request=None, responses=s.DepartmentSerializer)
    @action(detail=True, methods=["post"], permission_action="change")
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """停用部门

        部门还有在册人员时不能停用。需要“修改内设机构”权限。"""
        return Response(self.represent(department_deactivate(department=self.get_object())))


class PersonViewSet(ListRetrieveMixin, CreateMixin, UpdateMixin, ScopedViewSet):
    """人员。手机号码加密存储，`phone=` 按完整号码精确查找；没有“查看完整手机号码”权限时返回脱敏号码。"""

    queryset = Person.objects.select_related("unit", "department", "rank")
    serializer_class = s.PersonSerializer
    write_serializer_class = s.PersonInput
    filterset_class = PersonFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "sort_order", "created_at", "updated_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema_tags = TAGS

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        context["can_view_phone"] = bool(user and user.has_perm("org.view_person_phone"))
        return context

    def perform_create(self, data: dict[str, Any]) -> Person:
        return person_create(**data)

    def perform_update(self, instance: Any, data: dict[str, Any]) -> Person:
        return person_update(person=instance, **data)

    @extend_schema(request=s.PersonDeactivateInput, responses=s.PersonSerializer)
    @action(detail=True, methods=["post"], permission_action="change")
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """人员调离或退休（停用）

        人员只停用、不删除；status 为 transferred（调离，默认）或 retired（退休）。需要“修改人员”权限。"""
        person = self.get_object()
        data = self.validate_input(s.PersonDeactivateInput, request.data)
        return Response(self.represent(person_deactivate(person=person, status=data["status"])))


class RankViewSet(ListRetrieveMixin, ScopedViewSet):
    """职级（办公用房标准所用的职级分类，按机关层级）。共享参考数据，只读。"""

    scoped = False
    queryset = Rank.objects.all()
    serializer_class = s.RankSerializer
    filterset_class = RankFilter
    search_fields = ["name", "code"]
    ordering_fields = ["level", "sort_order", "code", "name"]
    schema_tags = TAGS


class RegionViewSet(ListRetrieveMixin, ScopedViewSet):
    """行政区划。共享参考数据，只读。"""

    scoped = False
    queryset = Region.objects.all()
    serializer_class = s.RegionSerializer
    filterset_class = RegionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "level"]
    schema_tags = TAGS

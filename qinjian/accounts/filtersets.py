"""Filter panels of the account administration lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from qinjian.core.scope import DataScope
from qinjian.core.ui.filters import ActiveFilter
from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Unit

from .models import Role, RoleAssignment, RoleKind, User
from .services.auth import policy


def _units(request: Any) -> QuerySet[Unit]:
    if request is None:
        return Unit.objects.none()
    return Unit.objects.scoped(request.user, "view").only("id", "name", "depth", "tree_path")


class UnitTreeFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__tree_path__startswith": value.tree_path})


class UserFilterSet(django_filters.FilterSet):
    unit = UnitTreeFilter(label="所属单位（含下级）", queryset=_units, empty_label="全部")
    is_active = ActiveFilter()
    locked = django_filters.BooleanFilter(label="锁定", method="filter_locked", widget=forms.Select(
        choices=[("", "全部"), ("true", "已锁定"), ("false", "未锁定")]))
    stale = django_filters.BooleanFilter(label="长期未登录", method="filter_stale", widget=forms.Select(
        choices=[("", "全部"), ("true", "超过 90 天未登录")]))
    must_change_password = django_filters.BooleanFilter(label="待改密", widget=forms.Select(
        choices=[("", "全部"), ("true", "是"), ("false", "否")]))

    class Meta:
        model = User
        fields = ("unit", "is_active", "locked", "stale", "must_change_password")

    def filter_locked(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return qs
        now = timezone.now()
        locked = Q(locked_until__gt=now)
        return qs.filter(locked) if value else qs.exclude(locked)

    def filter_stale(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        if not value:
            return qs
        cutoff = timezone.now() - timedelta(days=policy("STALE_ACCOUNT_DAYS"))
        return qs.filter(is_active=True).filter(
            Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))


class RoleFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类别", choices=RoleKind.choices, empty_label="全部")
    is_builtin = django_filters.BooleanFilter(label="来源", widget=forms.Select(
        choices=[("", "全部"), ("true", "内置"), ("false", "自定义")]))
    is_active = ActiveFilter()

    class Meta:
        model = Role
        fields = ("kind", "is_builtin", "is_active")


class AssignmentFilterSet(django_filters.FilterSet):
    user = django_filters.ModelChoiceFilter(label="账户", queryset=User.objects.order_by("username"),
                                            empty_label="全部")
    role = django_filters.ModelChoiceFilter(label="角色", queryset=Role.objects.order_by("sort_order", "id"),
                                            empty_label="全部")
    unit = UnitTreeFilter(label="单位（含下级）", queryset=_units, empty_label="全部")
    scope = django_filters.ChoiceFilter(label="数据范围", choices=DataScope.choices, empty_label="全部")

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "unit", "scope")

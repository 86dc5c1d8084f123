"""Data scope: the one way business rows are reached.

A role assignment gives a user a role (permissions) plus a data scope anchored at a unit. Every
list, detail, export, API call and report starts from ``Model.objects.scoped(user, action)``.
Models say how they hang off the unit tree with two class attributes:

* ``scope_unit_field`` — lookup from the model to its owning unit (``"unit"``), or ``"self"`` for
  the unit model itself, or a tuple of lookups when several units hold the row (any of them reaches it);
* ``own_records_q(user)`` — a classmethod returning the Q of rows that are the user's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class DataScope(models.TextChoices):
    ALL = "all", "全部数据"
    UNIT_TREE = "unit_tree", "本单位及下级单位"
    UNIT = "unit", "本单位"
    OWN = "own", "仅本人"


def active_assignment(user: Any) -> Any:
    """The role assignment the user is acting under (chosen in the top bar), or None."""
    getter = getattr(user, "get_active_assignment", None)
    return getter() if getter else None


def permission_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def scope_q(model: type[models.Model], user: Any) -> Q | None:
    """The filter for the user's active data scope on ``model``; None means no rows."""
    assignment = active_assignment(user)
    if assignment is None:
        return None
    scope = assignment.scope
    if scope == DataScope.ALL:
        return Q()
    if scope == DataScope.OWN:
        own = getattr(model, "own_records_q", None)
        return own(user) if own else None
    unit = assignment.unit
    if unit is None:
        return None
    field = getattr(model, "scope_unit_field", None)
    if field is None:
        return None
    if isinstance(field, tuple):  # several units hold the row (e.g. both sides of a transfer): any of them
        q = Q(pk__in=[])
        for one in field:
            q |= _unit_q(one, scope, unit)
        return q
    return _unit_q(field, scope, unit)


def _unit_q(field: str, scope: str, unit: Any) -> Q:
    prefix = "" if field == "self" else f"{field}__"
    if scope == DataScope.UNIT:
        return Q(pk=unit.pk) if field == "self" else Q(**{field: unit.pk})
    # UNIT_TREE: the anchor unit and everything below it (materialised path).
    return Q(**{f"{prefix}tree_path__startswith": unit.tree_path})


class ScopedQuerySet(models.QuerySet):
    def scoped(self, user: AbstractBaseUser | Any, action: str = "view") -> ScopedQuerySet:
        """Rows the user may ``action`` (view/change/add/delete/export...) under the active scope."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.has_perm(permission_name(self.model, action)):  # type: ignore[union-attr]
            return self.none()
        q = scope_q(self.model, user)
        if q is None:
            return self.none()
        return self.filter(q)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)

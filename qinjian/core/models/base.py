"""The base of every business model: timestamps, creator, scope and change logging."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from ..scope import ScopedManager


class BaseModel(models.Model):
    """Business rows: scoped through ``objects.scoped(user, action)`` and change-logged.

    ``audit_masked_fields`` names fields whose values the change log keeps masked (PII);
    ``audit_excluded_fields`` names fields it leaves out (derived values such as digests).
    """

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # An attribute of the record like its change log's user: no database constraint (a check per inserted
    # row, at commit), the ORM still sets it to null if a user is ever deleted
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False, db_constraint=False,
    )

    objects = ScopedManager()

    audit_masked_fields: frozenset[str] = frozenset()
    audit_excluded_fields: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        names = _plain_load(cls, field_names)
        if names is None:
            instance = super().from_db(db, field_names, values)
        else:
            # What Model.__init__ does for a row whose fields are plain attributes, without its per-field loop
            # (a list page builds 250 instances: 50 rows with 4 related objects each).
            instance = cls.__new__(cls)
            state = ModelState()
            state.adding, state.db = False, db
            instance.__dict__.update(zip(names, values, strict=True))
            instance._state = state
        # The loaded state, so the change log can show before -> after without another query.
        instance._loaded_values = dict(zip(field_names, values, strict=False))  # type: ignore[attr-defined]
        return instance

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        return models.Q(created_by=user)


# (model, loaded field names) -> the attribute names the row's values go to in order, or None when the model
# must be built through Model.__init__ (init signals, its own __init__, a field descriptor that does more than
# store the value).
_PLAIN_LOADS: dict[tuple[type[models.Model], tuple[str, ...]], tuple[str, ...] | None] = {}


def _plain_load(cls: type[models.Model], field_names: Any) -> tuple[str, ...] | None:
    key = (cls, tuple(field_names))
    try:
        return _PLAIN_LOADS[key]
    except KeyError:
        pass
    names: tuple[str, ...] | None = None
    if (cls.__init__ is models.Model.__init__ and not pre_init.has_listeners(cls)
            and not post_init.has_listeners(cls)):
        wanted = set(key[1])
        fields = [f for f in cls._meta.concrete_fields if f.attname in wanted]
        # Model.from_db assigns the values in the order of the model's fields: so does this
        if len(fields) == len(wanted) and all(_plain_descriptor(cls, f.attname) for f in fields):
            names = tuple(f.attname for f in fields)
    _PLAIN_LOADS[key] = names
    return names


def _plain_descriptor(cls: type[models.Model], attname: str) -> bool:
    """Whether setting ``attname`` on a new instance just stores the value in its __dict__."""
    descriptor = next((klass.__dict__[attname] for klass in cls.__mro__ if attname in klass.__dict__), None)
    # DeferredAttribute has no __set__; ForeignKeyDeferredAttribute's only drops a cached related object,
    # which a new instance does not have
    return descriptor is None or type(descriptor) in (DeferredAttribute, ForeignKeyDeferredAttribute)

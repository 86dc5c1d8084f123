"""The base of every business model: timestamps, creator, scope and change logging."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

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
        instance = super().from_db(db, field_names, values)
        # The loaded state, so the change log can show before -> after without another query.
        instance._loaded_values = dict(zip(field_names, values, strict=False))  # type: ignore[attr-defined]
        return instance

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        return models.Q(created_by=user)

"""Shared reference data: read by every role that holds the view permission, never unit-scoped."""

from __future__ import annotations

from typing import Any

from django.db import models

from qinjian.core.scope import permission_name


class ReferenceQuerySet(models.QuerySet):
    def scoped(self, user: Any, action: str = "view") -> ReferenceQuerySet:
        """All rows for a user holding ``standards.<action>_<model>``; no rows otherwise.

        Standards belong to no unit, so the data scope does not apply; the permission alone guards
        them. Named ``scoped`` so the shared list/detail/API machinery works unchanged.
        """
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.has_perm(permission_name(self.model, action)):
            return self.none()
        return self.all()


class ReferenceManager(models.Manager):
    def get_queryset(self) -> ReferenceQuerySet:
        return ReferenceQuerySet(self.model, using=self._db)

    def scoped(self, user: Any, action: str = "view") -> ReferenceQuerySet:
        return self.get_queryset().scoped(user, action)

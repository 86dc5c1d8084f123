"""A role's permission names, cached in the shared cache under the role's id and ``updated_at``.

Every page asks for the permissions of the active role; the join over permissions and content types
is the same answer until the role changes. The key carries the role's ``updated_at``, and a change
of the role's permissions moves ``updated_at`` in the same transaction (the m2m signal below), so:

* a change takes effect on the very next request, in every process (the row the request loads
  already names a key nobody has filled);
* a rolled-back change leaves the old ``updated_at`` and so the old, still correct, entry;
* no process ever needs to be told to forget anything.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed
from django.utils import timezone

log = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
_VERSION = 1  # bump when the cached shape changes


def _key(role: Any) -> str:
    stamp = role.updated_at.timestamp() if role.updated_at else 0
    return f"qinjian:roleperms:{_VERSION}:{role.pk}:{stamp:.6f}"


def role_permissions(role: Any) -> set[str]:
    """``role.permission_names()``, from the cache when the role has not changed since it was filled."""
    key = _key(role)
    try:
        cached = cache.get(key)
    except Exception:  # a cache outage costs a query, never a wrong answer
        log.warning("permission cache unavailable", exc_info=True)
        return role.permission_names()  # type: ignore[no-any-return]
    if cached is not None:
        return set(cached)
    names = role.permission_names()
    try:
        cache.set(key, sorted(names), CACHE_SECONDS)
    except Exception:
        log.warning("permission cache not written", exc_info=True)
    return names  # type: ignore[no-any-return]


def touch_roles(role_ids: Any) -> None:
    """Move ``updated_at`` of these roles past its current value (inside the caller's transaction)."""
    from .models import Role

    now = timezone.now()
    for role_id, updated_at in Role.objects.filter(pk__in=list(role_ids)).values_list("pk", "updated_at"):
        stamp = now if updated_at is None or now > updated_at else updated_at + datetime.timedelta(microseconds=1)
        Role.objects.filter(pk=role_id).update(updated_at=stamp)


def _permissions_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    from .models import Role

    if not reverse:  # role.permissions.add/remove/set/clear
        touch_roles([instance.pk])
    elif action == "pre_clear":  # permission.<roles>.clear(): the roles are known only before
        touch_roles(Role.permissions.through.objects.filter(permission_id=instance.pk).values_list("role_id", flat=True))
    elif pk_set:
        touch_roles(pk_set)


def connect() -> None:
    from .models import Role

    m2m_changed.connect(_permissions_changed, sender=Role.permissions.through,
                        dispatch_uid="qinjian.accounts.permcache")

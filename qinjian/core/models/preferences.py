"""Per-user UI settings. Every list page reads one (its columns and page size), so reads go through the cache:
writes go through ``set_value``/``clear_value``, which drop the cached copy (again at commit), and a read inside
an open transaction never fills the cache (what it sees may still be rolled back)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction

log = logging.getLogger(__name__)
CACHE_SECONDS = 3600
_MISSING = object()


def _cache_key(user: Any, key: str) -> str:
    """Under the user's id and creation time: a key never names another user, even where ids are reused."""
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else 0
    return f"qinjian:pref:{user.pk}:{joined:.6f}:{key}"


def _drop(cache_key: str) -> None:
    try:
        cache.delete(cache_key)
    except Exception:  # an outage: the entry expires within CACHE_SECONDS
        log.warning("preference cache not cleared", exc_info=True)


def _in_transaction() -> bool:
    """Whether the code (not a test case wrapping it) has a transaction open."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class UserPreference(models.Model):
    """A per-user UI setting (list columns, page size …), keyed by a dotted name."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="preferences")
    key = models.CharField("名称", max_length=100)
    value = models.JSONField("设置", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "个人设置"
        verbose_name_plural = "个人设置"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_userpreference_user_key")]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def get_value(cls, user: Any, key: str, default: Any = None) -> Any:
        if not getattr(user, "is_authenticated", False):
            return default
        cache_key = _cache_key(user, key)
        try:
            value = cache.get(cache_key, _MISSING)
        except Exception:
            log.warning("preference cache unavailable", exc_info=True)
            value = _MISSING
        if value is _MISSING:
            value = next(iter(cls.objects.filter(user=user, key=key).values_list("value", flat=True)[:1]), None)
            if not _in_transaction():
                try:
                    cache.set(cache_key, value, CACHE_SECONDS)  # None: the user has not set it
                except Exception:
                    log.warning("preference cache not written", exc_info=True)
        return default if value is None else value

    @classmethod
    def set_value(cls, user: Any, key: str, value: Any) -> None:
        cls.objects.update_or_create(user=user, key=key, defaults={"value": value})
        cls._forget(user, key)

    @classmethod
    def clear_value(cls, user: Any, key: str) -> None:
        cls.objects.filter(user=user, key=key).delete()
        cls._forget(user, key)

    @staticmethod
    def _forget(user: Any, key: str) -> None:
        cache_key = _cache_key(user, key)
        _drop(cache_key)
        transaction.on_commit(lambda: _drop(cache_key))

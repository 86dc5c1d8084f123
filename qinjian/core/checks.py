"""System checks run by `qinjian check` (and `check --deploy` in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from . import crypto


@checks.register(checks.Tags.security)
def crypto_provider(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if crypto.SM_AVAILABLE:
        return []
    return [checks.Warning("当前 OpenSSL 不支持 SM3/SM4，已退回 SHA-256/AES；密评要求国密算法。", id="qinjian.W001")]


@checks.register(checks.Tags.security, deploy=True)
def session_policy(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if int(settings.SESSION_COOKIE_AGE) > 1800:
        problems.append(checks.Error("会话空闲超时超过 30 分钟，不符合等保三级要求。", id="qinjian.E001"))
    if not settings.SESSION_SAVE_EVERY_REQUEST and int(settings.QINJIAN_SECURITY["SESSION_REFRESH_SECONDS"]) > 120:
        problems.append(checks.Error("会话续期间隔超过 120 秒，空闲超时不准确。", id="qinjian.E002"))
    return problems

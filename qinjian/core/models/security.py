"""The security-event log: append-only and tamper-evident (each row carries a MAC over the previous)."""

from __future__ import annotations

from typing import Any

from django.db import models


class SecurityEventType(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    LOCKED = "locked", "账户锁定"
    UNLOCKED = "unlocked", "账户解锁"
    SESSION_EXPIRED = "session_expired", "会话超时"
    MFA_ENROLLED = "mfa_enrolled", "绑定动态口令"
    MFA_FAILED = "mfa_failed", "动态口令错误"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    USER_CREATED = "user_created", "创建账户"
    USER_CHANGED = "user_changed", "修改账户"
    USER_DISABLED = "user_disabled", "停用账户"
    USER_ENABLED = "user_enabled", "启用账户"
    ROLE_GRANTED = "role_granted", "授予角色"
    ROLE_REVOKED = "role_revoked", "撤销角色"
    ROLE_CHANGED = "role_changed", "修改角色权限"
    ROLE_SWITCHED = "role_switched", "切换角色"
    TOKEN_CREATED = "token_created", "创建 API 令牌"
    TOKEN_REVOKED = "token_revoked", "吊销 API 令牌"
    EXPORT = "export", "导出数据"
    IMPORT = "import", "导入数据"
    ACCESS_DENIED = "access_denied", "越权访问被拒绝"
    AUDIT_VIEWED = "audit_viewed", "查看审计日志"
    CONFIG_CHANGED = "config_changed", "修改配置"


class SecurityEvent(models.Model):
    time = models.DateTimeField("时间", db_index=True)
    event_type = models.CharField("事件类型", max_length=32, choices=SecurityEventType.choices, db_index=True)
    success = models.BooleanField("结果", default=True)
    user_id_ref = models.BigIntegerField("用户 ID", null=True, blank=True, db_index=True)
    username = models.CharField("账户", max_length=150, blank=True, db_index=True)
    role_code = models.CharField("当时角色", max_length=64, blank=True)
    ip = models.CharField("IP 地址", max_length=64, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField("前一条摘要", max_length=64)
    hash = models.CharField("摘要", max_length=64, unique=True)

    class Meta:
        verbose_name = "安全事件"
        verbose_name_plural = "安全事件"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [("export_securityevent", "导出安全事件")]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.username}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("安全事件只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("安全事件不能删除")


class SecurityChainHead(models.Model):
    """A single row locked while appending, so concurrent writers keep one chain."""

    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "安全事件链头"
        default_permissions = ()

    def __str__(self) -> str:
        return self.last_hash

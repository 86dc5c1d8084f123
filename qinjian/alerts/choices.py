from django.db import models


class Severity(models.IntegerChoices):
    """Stored as numbers so that lists sort by gravity."""

    INFO = 10, "提示"
    WARNING = 20, "预警"
    DANGER = 30, "严重"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处理"
    HANDLED = "handled", "已处理"
    CLOSED = "closed", "已关闭"


LIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.HANDLED)


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", "条件已消除（自动关闭）"
    MANUAL = "manual", "人工关闭"
    RULE_DISABLED = "rule_disabled", "规则已停用"


class Frequency(models.TextChoices):
    HOURLY = "hourly", "每小时"
    DAILY = "daily", "每天"
    MANUAL = "manual", "仅手动扫描"


SEVERITY_CSS = {Severity.INFO: "bg-azure-lt", Severity.WARNING: "bg-orange-lt", Severity.DANGER: "bg-red-lt"}
STATUS_CSS = {AlertStatus.OPEN: "bg-red-lt", AlertStatus.HANDLED: "bg-yellow-lt", AlertStatus.CLOSED: "bg-secondary-lt"}

"""Alert rules (one row per registered rule: switch, frequency, parameters) and the alerts they raise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel
from qinjian.core.scope import ScopedQuerySet

from .choices import LIVE_STATUSES, AlertStatus, CloseReason, Frequency, Severity


class AlertRule(BaseModel):
    """The stored side of a rule registered in code: the sysadmin switches it, sets its frequency and
    edits its parameters (thresholds); the last sweep's time and counts are kept here."""

    code = models.CharField("规则编码", max_length=100, unique=True)
    name = models.CharField("规则名称", max_length=100)
    module = models.CharField("所属模块", max_length=50)
    description = models.TextField("说明", blank=True)
    content_type = models.ForeignKey(ContentType, verbose_name="检查对象", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    severity = models.PositiveSmallIntegerField("默认级别", choices=Severity.choices, default=Severity.WARNING)
    enabled = models.BooleanField("启用", default=True)
    frequency = models.CharField("扫描频率", max_length=16, choices=Frequency.choices, default=Frequency.HOURLY)
    parameters = models.JSONField("参数", default=dict, blank=True)
    last_sweep_at = models.DateTimeField("最近扫描时间", null=True, blank=True, editable=False)
    last_sweep_result = models.JSONField("最近扫描结果", default=dict, blank=True, editable=False)

    scope_unit_field = None  # configuration: reached by users whose scope is all data
    audit_excluded_fields = frozenset({"last_sweep_at", "last_sweep_result"})

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["module", "code"]
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alerts:alertrule_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:  # the detail header's 启用/已停用 badge
        return self.enabled


class AlertQuerySet(ScopedQuerySet):
    def live(self) -> AlertQuerySet:
        return self.filter(status__in=LIVE_STATUSES)


AlertManager = models.Manager.from_queryset(AlertQuerySet)


class Alert(BaseModel):
    """One condition of one rule on one object (``key``), from the moment it holds until it is closed."""

    rule = models.ForeignKey(AlertRule, verbose_name="预警规则", on_delete=models.PROTECT, related_name="alerts")
    key = models.CharField("条件标识", max_length=200)
    severity = models.PositiveSmallIntegerField("级别", choices=Severity.choices, default=Severity.WARNING,
                                                db_index=True)
    status = models.CharField("状态", max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.CASCADE, related_name="alerts")
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("预警对象", max_length=200)
    linked_object = GenericForeignKey("content_type", "object_id")
    title = models.CharField("标题", max_length=200)
    message = models.TextField("预警内容")
    data = models.JSONField("数据", default=dict, blank=True)
    opened_at = models.DateTimeField("发生时间", db_index=True)
    changed_at = models.DateTimeField("最近变化", null=True, blank=True)
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handle_note = models.TextField("处理说明", blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="关闭人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    close_reason = models.CharField("关闭原因", max_length=16, choices=CloseReason.choices, blank=True)
    close_note = models.TextField("关闭说明", blank=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    objects = AlertManager()

    scope_unit_field = "unit"
    audit_excluded_fields = frozenset({"data"})  # the machine form of ``message``, which is logged

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警信息"
        ordering = ["-severity", "-opened_at", "-id"]
        permissions = [("export_alert", "导出预警")]
        constraints = [
            # One live alert per condition: a second sweep can never open the same thing twice.
            models.UniqueConstraint(fields=["rule", "key"], condition=~models.Q(status=AlertStatus.CLOSED),
                                    name="alerts_alert_one_live_per_key"),
        ]
        indexes = [
            models.Index(fields=["rule", "status"], name="alerts_alert_rule_status"),
            models.Index(fields=["content_type", "object_id"], name="alerts_alert_object"),
            models.Index(fields=["unit", "status"], name="alerts_alert_unit_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert_detail", args=[self.pk])

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        # Alerts belong to units, never to a person: the 仅本人 scope sees none.
        return models.Q(pk__in=[])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

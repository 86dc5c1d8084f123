"""Choices of the approvals engine."""

from django.db import models


class UnitRule(models.TextChoices):
    """Where the assignee of a step must sit (their role assignment's unit)."""

    APPLICANT_UNIT = "applicant_unit", "申请单位"
    APPLICANT_PARENT = "applicant_parent", "申请单位的上级单位"
    FIXED_UNIT = "fixed_unit", "指定单位"
    COUNTERPART_UNIT = "counterpart_unit", "对方单位（如调入单位）"
    SCOPE_ALL = "scope_all", "任意单位（数据范围为全部）"


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", "小时"
    WORKDAYS = "workdays", "工作日"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "审批中"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "待办"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    CANCELLED = "cancelled", "已取消"


class ActionKind(models.TextChoices):
    SUBMIT = "submit", "提交"
    RESUBMIT = "resubmit", "重新提交"
    APPROVE = "approve", "同意"
    REJECT = "reject", "驳回"
    RETURN = "return", "退回修改"
    WITHDRAW = "withdraw", "撤回"
    COMMENT = "comment", "评论"
    OVERDUE = "overdue", "超期提醒"


FINAL_STATUSES = frozenset({RequestStatus.APPROVED, RequestStatus.REJECTED})

from .flows import flow_create, flow_set_active, flow_update
from .requests import (
    approval_approve,
    approval_comment,
    approval_mark_overdue,
    approval_reject,
    approval_return,
    approval_submit,
    approval_withdraw,
    flow_select,
)

__all__ = [
    "approval_approve",
    "approval_comment",
    "approval_mark_overdue",
    "approval_reject",
    "approval_return",
    "approval_submit",
    "approval_withdraw",
    "flow_create",
    "flow_select",
    "flow_set_active",
    "flow_update",
]

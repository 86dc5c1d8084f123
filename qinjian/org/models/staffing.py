"""编制调整申请: a unit asks to change its staffing quotas; the approvals engine decides."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel
from qinjian.workflow.choices import RequestStatus

from .units import Unit

QUOTA_KINDS = (("quota_admin", "行政编制"), ("quota_institution", "事业编制"), ("quota_worker", "工勤编制"))


class StaffingChangeRequest(BaseModel):
    number = models.CharField("申请编号", max_length=32, unique=True)
    unit = models.ForeignKey(Unit, verbose_name="申请单位", on_delete=models.PROTECT,
                             related_name="staffing_requests")
    old_quota_admin = models.PositiveIntegerField("原行政编制数", default=0)
    old_quota_institution = models.PositiveIntegerField("原事业编制数", default=0)
    old_quota_worker = models.PositiveIntegerField("原工勤编制数", default=0)
    new_quota_admin = models.PositiveIntegerField("拟调整行政编制数")
    new_quota_institution = models.PositiveIntegerField("拟调整事业编制数")
    new_quota_worker = models.PositiveIntegerField("拟调整工勤编制数")
    reason = models.TextField("调整理由")
    status = models.CharField("审批状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT,
                              db_index=True)
    approval_number = models.CharField("审批编号", max_length=32, blank=True)

    scope_unit_field = "unit"

    class Meta:
        verbose_name = "编制调整申请"
        verbose_name_plural = "编制调整申请"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.unit.name}编制调整" if self.unit_id else self.number

    def get_absolute_url(self) -> str:
        return reverse("org:staffingchangerequest_detail", args=[self.pk])

    def changes(self) -> list[tuple[str, int, int]]:
        """(label, old, new) of each quota kind that changes."""
        out = []
        for field, label in QUOTA_KINDS:
            old, new = getattr(self, f"old_{field}"), getattr(self, f"new_{field}")
            if old != new:
                out.append((label, old, new))
        return out

    @property
    def total_change(self) -> int:
        """The sum of the increases and decreases of every quota kind (the amount flows test)."""
        return sum(abs(new - old) for _label, old, new in self.changes())

    @property
    def is_editable(self) -> bool:
        return self.status in (RequestStatus.DRAFT, RequestStatus.RETURNED, RequestStatus.WITHDRAWN)

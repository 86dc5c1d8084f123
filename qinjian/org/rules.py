"""Alert rules of the org module (registered with the alert center)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from qinjian.alerts.choices import Severity
from qinjian.alerts.registry import Finding, Parameter, Rule, Watch, register_rule

from .choices import StaffingType
from .models import Person, Unit

QUOTA_FIELDS = {
    StaffingType.ADMIN: "quota_admin",
    StaffingType.INSTITUTION: "quota_institution",
    StaffingType.WORKER: "quota_worker",
}


@register_rule
class UnitOverQuota(Rule):
    """单位超编: active people of a staffing type above the unit's quota of that type (one alert per type)."""

    code = "org.unit_over_quota"
    name = "单位超编"
    module = "组织机构"
    description = ("单位某类编制（行政、事业、工勤）的在册人数超过核定编制数时预警，每个单位每类编制一条；"
                   "超编比例达到“严重超编比例”时为严重。人员调离、停用或核增编制后自动关闭。")
    model = Unit
    severity = Severity.WARNING
    parameters = (
        Parameter("severe_percent", "严重超编比例（%）", default=10, kind="decimal", minimum=0, maximum=1000,
                  help_text="超编人数占核定编制数的比例达到该值时，预警级别为“严重”。"),
    )
    watches = (
        Watch(Person, targets=lambda v: [v.get("unit_id")], fields=("unit_id", "staffing_type", "is_active")),
        Watch(Unit, targets=lambda v: [v.get("id")], fields=(*QUOTA_FIELDS.values(), "is_active")),
    )

    def sweep(self) -> Iterator[Finding]:
        return self._findings(Unit.objects.filter(is_active=True))

    def evaluate_many(self, ids: Iterable[Any]) -> Iterator[Finding]:
        return self._findings(Unit.objects.filter(pk__in=list(ids), is_active=True))

    def _findings(self, units: QuerySet[Unit]) -> Iterator[Finding]:
        severe_percent = Decimal(str(self.param("severe_percent")))
        counts = {
            f"used_{stype}": Count("people", filter=Q(people__is_active=True, people__staffing_type=stype))
            for stype in QUOTA_FIELDS
        }
        over = Q()
        for stype, field in QUOTA_FIELDS.items():
            over |= Q(**{f"used_{stype}__gt": F(field)})
        rows = (units.annotate(**counts).filter(over)
                .values("pk", "name", *QUOTA_FIELDS.values(), *counts))
        for row in rows.iterator(chunk_size=2000):
            for stype, field in QUOTA_FIELDS.items():
                quota, used = row[field], row[f"used_{stype}"]
                if used <= quota:
                    continue
                yield self._finding(row["pk"], row["name"], stype, quota, used, severe_percent)

    def _finding(self, pk: int, name: str, stype: str, quota: int, used: int, severe_percent: Decimal) -> Finding:
        excess = used - quota
        label = StaffingType(stype).label
        if quota:
            percent = (Decimal(excess * 100) / quota).quantize(Decimal("0.1"))
            severe = percent >= severe_percent
            ratio, share = f"，超出 {percent}%", f"{percent}%"
        else:
            severe, ratio, share = True, "，该类编制未核定", "未核定"
        return Finding(
            key=f"unit:{pk}:{stype}", object_id=pk, unit_id=pk, object_repr=name,
            title=f"{name}{label}超编 {excess} 人",
            message=f"{name}{label}核定 {quota} 名，在册 {used} 人，超编 {excess} 人{ratio}。",
            severity=Severity.DANGER if severe else None,
            data={"staffing_type": stype, "quota": quota, "used": used, "over": excess,
                  "figures": [["编制类型", label], ["核定编制", f"{quota} 名"], ["在册人数", f"{used} 人"],
                              ["超编人数", f"{excess} 人"], ["超编比例", share]]},
        )

"""Alert rule 闲置资产: a card idle for longer than the period of the standards table ``asset_idle_rule``.

The period is the center's own management rule (a versioned standards table, edited by the system
administrator), by class-code prefix (the longest matching prefix wins; "A" covers every class).
One alert per card, to the owning unit, suggesting the 公物仓 (应入尽入); it closes by itself when the
card is in use again, lent, transferred or disposed of. The sweep is one query over the
(status, status_since) index, whatever the number of cards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qinjian.alerts.choices import Severity
from qinjian.alerts.registry import Finding, Rule, Watch, register_rule

from .choices import AssetStatus
from .models import Asset

STANDARD = "asset_idle_rule"
DEFAULT_DAYS = 180  # only for cards no row covers, or when the table is missing (before load_standards)


@dataclass(frozen=True)
class IdlePeriod:
    prefix: str
    days: int
    class_name: str


def idle_periods(on: datetime.date | None = None) -> list[IdlePeriod]:
    """The periods in force (longest prefix first); the default row has the empty prefix."""
    from qinjian.standards.errors import StandardNotFound
    from qinjian.standards.selectors import standard

    try:
        table = standard(STANDARD, on=on)
    except StandardNotFound:
        return [IdlePeriod("", DEFAULT_DAYS, "全部资产")]
    periods = [IdlePeriod(str(r.key.get("class_prefix", "")).strip().upper(), int(r.values["days"]),
                          str(r.values.get("class_name") or "")) for r in table.rows
               if r.values.get("days") not in (None, "")]
    periods.append(IdlePeriod("", DEFAULT_DAYS, "全部资产"))  # a catch-all below every row
    return sorted(periods, key=lambda p: len(p.prefix), reverse=True)


def overdue_q(periods: list[IdlePeriod], today: datetime.date) -> Q:
    """Idle cards past their period: per prefix, those not claimed by a longer prefix (one WHERE clause)."""
    q = Q(pk__in=[])
    for i, period in enumerate(periods):
        cutoff = today - datetime.timedelta(days=period.days)
        mine = Q(status_since__lt=cutoff)
        if period.prefix:
            mine &= Q(class_code__startswith=period.prefix)
        for longer in periods[:i]:
            if longer.prefix.startswith(period.prefix) and longer.prefix != period.prefix:
                mine &= ~Q(class_code__startswith=longer.prefix)
        q |= mine
    return q


def _period_for(periods: list[IdlePeriod], class_code: str) -> IdlePeriod:
    return next(p for p in periods if class_code.startswith(p.prefix))


@register_rule
class IdleAsset(Rule):
    """闲置资产: status 闲置 for longer than the period → hand it to the 公物仓."""

    code = "assets.idle_asset"
    name = "闲置资产"
    module = "资产管理"
    description = ("资产卡片连续闲置超过标准库“闲置资产交公物仓期限”规定的天数时，向所属单位预警，提示按“应入尽入”"
                   "要求交公物仓统一调剂；资产恢复在用、出借、调拨或处置后自动关闭。期限为本中心资产管理规则，"
                   "由系统管理员在标准库中调整。")
    model = Asset
    severity = Severity.WARNING
    watches = (
        Watch(Asset, targets=lambda v: [v.get("id")], fields=("status", "status_since", "unit_id", "asset_class_id")),
    )

    def sweep(self) -> Iterator[Finding]:
        return self._findings(Asset.objects.all())

    def evaluate_many(self, ids: Iterable[Any]) -> Iterator[Finding]:
        wanted = [i for i in ids if i is not None]
        return self._findings(Asset.objects.filter(pk__in=wanted))

    def _findings(self, cards: QuerySet[Asset]) -> Iterator[Finding]:
        today = timezone.localdate()
        periods = idle_periods(today)
        rows = (cards.filter(status=AssetStatus.IDLE, status_since__isnull=False)
                .filter(overdue_q(periods, today))
                .values("pk", "code", "name", "class_code", "status_since", "unit_id", "unit__name",
                        "original_value", "location"))
        for row in rows.iterator(chunk_size=2000):
            yield self._finding(dict(row), _period_for(periods, row["class_code"]))

    def _finding(self, row: dict[str, Any], period: IdlePeriod) -> Finding:
        since: datetime.date = row["status_since"]
        card = f"{row['code']} {row['name']}"
        return Finding(
            key=f"asset:{row['pk']}", object_id=row["pk"], unit_id=row["unit_id"], object_repr=card[:200],
            title=f"资产“{card}”闲置超过 {period.days} 天",
            message=(f"{row['unit__name']}的资产“{card}”自 {since:%Y-%m-%d} 起闲置，已超过规定的 {period.days} 天。"
                     "请按“应入尽入”要求办理交公物仓统一调剂；如已恢复使用，请在资产卡片上点击“恢复在用”。"),
            data={"since": since.isoformat(), "days": period.days, "class_code": row["class_code"],
                  "figures": [["资产编号", row["code"]], ["资产名称", row["name"]],
                              ["所属单位", row["unit__name"]], ["闲置起始日期", f"{since:%Y-%m-%d}"],
                              ["规定期限", f"{period.days} 天"],
                              ["原值", f"{row['original_value']:,.2f} 元"],
                              ["存放地点", row["location"] or "—"]]},
        )


def register() -> None:
    """The rule registers itself on import (``@register_rule``); hooks.register_all imports this module."""

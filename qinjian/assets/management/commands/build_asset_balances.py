"""``qinjian build_asset_balances [--months N] [--invalid-only]``: build the stored month-end balances.

Builds the last N closed month-ends (default 24) — the journal summed up to each month-end with the
accumulated depreciation of that day — so ledgers and reports as of any date within them read a month-end
and the few journal lines after it. ``--invalid-only`` rebuilds just the month-ends marked invalid.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qinjian.assets.services.balances import (
    DEFAULT_MONTHS,
    balances_build_recent,
    balances_rebuild_invalid,
    balances_status,
)
from qinjian.core.errors import DomainError


class Command(BaseCommand):
    help = "生成资产月末余额（按单位、分类汇总的月末账面数和累计折旧），供按日期查询台账和报表使用。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--months", type=int, default=DEFAULT_MONTHS,
                            help=f"生成最近多少个已结束月份的月末余额（默认 {DEFAULT_MONTHS}）")
        parser.add_argument("--invalid-only", action="store_true", help="只重建已失效的月末余额")
        parser.add_argument("--missing-only", action="store_true", help="跳过已生成且有效的月份")

    def handle(self, *args: Any, **options: Any) -> None:
        months = options["months"]
        if months < 1 or months > 600:
            raise CommandError("--months 应在 1 到 600 之间。")
        started = time.monotonic()
        try:
            if options["invalid_only"]:
                done = balances_rebuild_invalid()
            else:
                balances_rebuild_invalid()
                done = len(balances_build_recent(months, only_missing=options["missing_only"]))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        status = balances_status()
        latest = status["latest"]
        self.stdout.write(f"已生成 {done} 个月末余额，用时 {time.monotonic() - started:.1f} 秒；"
                          f"有效 {status['valid']} 个，失效 {status['invalid']} 个，"
                          f"最近的有效月末：{latest:%Y-%m-%d}。" if latest else
                          f"已生成 {done} 个月末余额；目前没有有效的月末余额。")

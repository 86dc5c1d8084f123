from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...crypto import HASH_NAME
from ...security_log import verify_chain


class Command(BaseCommand):
    help = "校验安全事件日志的哈希链：发现被修改、删除或插入的记录即报错。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"安全事件链完整：已校验 {report.checked} 条（{HASH_NAME}）。"))
            return
        raise CommandError(f"安全事件链在记录 #{report.broken_at} 处断裂：{report.reason}（之前 {report.checked} 条完好）")

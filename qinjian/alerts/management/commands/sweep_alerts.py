from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qinjian.alerts.registry import all_rules, get_rule
from qinjian.core import context
from qinjian.core.errors import DomainError


class Command(BaseCommand):
    help = "立即扫描预警规则（不指定规则编码时扫描全部已启用的规则），打印新增、更新、关闭的预警数。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rules", nargs="*", help="规则编码，如 org.unit_over_quota")

    def handle(self, *args: Any, **options: Any) -> None:
        from qinjian.alerts.models import AlertRule
        from qinjian.alerts.services import rules_sync, sweep_rule

        rules_sync()
        codes = options["rules"] or [r.code for r in all_rules()]
        unknown = [c for c in codes if get_rule(c) is None]
        if unknown:
            known = "、".join(r.code for r in all_rules()) or "无"
            raise CommandError(f"没有预警规则：{'、'.join(unknown)}（已有：{known}）")
        enabled = set(AlertRule.objects.filter(code__in=codes, enabled=True).values_list("code", flat=True))
        with context.acting(source="cli"):
            for code in codes:
                name = get_rule(code).name  # type: ignore[union-attr]
                if code not in enabled:
                    if options["rules"]:
                        raise CommandError(f"预警规则“{name}”已停用。")
                    self.stdout.write(f"{name}（{code}）：已停用，跳过")
                    continue
                try:
                    r = sweep_rule(code=code)
                except DomainError as exc:
                    raise CommandError(exc.message) from exc
                self.stdout.write(f"{name}（{code}）：新增 {r.opened}，更新 {r.updated}，关闭 {r.closed}，"
                                  f"未关闭共 {r.live}，用时 {r.ms / 1000:.2f} 秒")

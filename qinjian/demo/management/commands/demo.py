from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qinjian.core.errors import DomainError
from qinjian.demo.build import DEMO_PASSWORD, Login, build_city, reset_city
from qinjian.demo.plan import DEFAULT_PEOPLE, build_plan

URL = "http://127.0.0.1:8000/"
LABELS = {"regions": "行政区划", "units": "单位", "departments": "内设机构", "people": "人员", "accounts": "账户",
          "role_assignments": "角色授权", "approvals": "审批示例",
          "assets": "资产卡片", "asset_documents": "资产业务单和盘点示例", "asset_operations": "资产业务单",
          "stocktakes": "盘点任务"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(logins: list[Login], password: str) -> str:
    header = ["账户", "姓名", "角色", "单位", "数据范围", "密码"]
    rows = [[lg.username, lg.full_name, lg.role + ("（须绑定动态口令）" if lg.mfa else ""), lg.unit, lg.scope, password]
            for lg in logins]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    rule = "+".join("-" * (w + 2) for w in widths)
    lines = ["|".join(f" {_pad(c, w)} " for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    lines.insert(1, rule)
    return "\n".join(lines)


class Command(BaseCommand):
    help = "生成示范数据：虚构的陕西省示范市（市政府、40 余个市直单位、3 个区县、约 2000 名人员）及各角色的示范账户。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="先删除已有的示范市数据再重新生成")
        parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE, help="人员总数（默认 %(default)s）")
        parser.add_argument("--units", type=int, default=None, help="单位总数（多于基础结构时增加虚构县）")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="示范账户密码（默认 %(default)s）")
        parser.add_argument("--no-logins", action="store_true", help="不打印账户表")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["people"] < 1 or options["people"] > 200_000:
            raise CommandError("人员总数应在 1 到 200000 之间。")
        plan = build_plan(people=options["people"], units=options["units"])
        try:
            if options["reset"]:
                counts = reset_city(plan)
                done = "、".join(f"{LABELS.get(k, k)} {v}" for k, v in counts.items() if v)
                self.stdout.write(f"已删除原示范数据：{done or '无'}")
            result = build_city(plan, password=options["password"], assets=True,
                                progress=lambda msg: self.stdout.write(f"  · {msg}"))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        made = "、".join(f"{LABELS.get(k, k)} {v}" for k, v in result.created.items() if v)
        self.stdout.write(self.style.SUCCESS(
            f"示范市已就绪（{time.monotonic() - started:.1f} 秒）。本次新增：{made or '无（数据已存在，未作改动）'}"))
        if options["no_logins"]:
            return
        self.stdout.write("")
        self.stdout.write(f"示范账户（打开 {URL} 登录）：")
        self.stdout.write(login_table(result.logins, options["password"]))
        self.stdout.write("")
        self.stdout.write("说明：示范账户无需首次改密；正式账户首次登录必须修改密码。")
        self.stdout.write("      三员账户（sysadmin、secadmin、auditadmin）首次登录须用手机动态口令应用"
                          "（如 FreeOTP、Google Authenticator）扫码绑定，之后每次登录输入 6 位动态口令。")
        self.stdout.write("      若修改过示范账户的密码，运行 qinjian demo --reset 可恢复全部示范数据。")

"""Benchmark of the legacy asset-ledger import: 100,000 rows of a messy ledger through the whole pipeline.

    python benchmarks/import_assets.py                 # SQLite
    python benchmarks/import_assets.py --pg --sqlite   # both (or QINJIAN_BENCH_PG=1)
    python benchmarks/import_assets.py -n 20000 --profile

Each backend runs in its own process on a fresh database (SQLite ``var/bench-import/``, PostgreSQL
``qinjian_bench_import``) holding the demo city at 300 units. The file is an .xlsx written like a real
legacy ledger (title rows, a two-row header with a merged 价值 cell, synonyms such as 卡片编号/购置日期,
amounts with commas and 元, dates as 2019.5 / 2019年5月, old 7-digit and 2013-catalogue class codes,
names the classifier is unsure of), for one unit. Timed as the user experiences it: validate (preview),
confirm (accept every suggested class: one more validation), commit (cards, 导入 events, journal lines,
change records, one transaction). Goal: < 60 s in all. Memory: peak RSS of the process.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_people as base  # configure, fresh_database, rss_mb

ROWS = 100_000
GOAL_SECONDS = 60.0
NAMES = [("联想启天M430台式机", "M430", ""), ("惠普笔记本电脑", "ProBook 440", ""), ("办公桌", "1.4米", "A060201"),
         ("文件柜", "四门", ""), ("空调", "格力 1.5匹", "2020000"), ("复印机", "理光", "2020000"),
         ("打印机", "", ""), ("办公椅", "", ""), ("会议桌", "3米", ""), ("服务器", "DELL R740", "A02010103"),
         ("投影仪", "爱普生", ""), ("沙发", "三人位", ""), ("交换机", "华为", ""), ("碎纸机", "", "")]


def build_file(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("固定资产台账")
    sheet.append(["示范市某单位固定资产明细账"])
    sheet.append(["填报单位：示范市某单位", None, None, None, None, None, None, "金额单位：元"])
    sheet.append(["序号", "卡片编号", "名称", "规格型号", "资产分类代码", "数量", "计量单位", "价值", None, None,
                  "购置日期", "入账日期", "使用部门", "使用人", "存放地点", "使用状况", "累计折旧", "备注"])
    sheet.append([None] * 7 + ["原值", "财政拨款", "非财政拨款"] + [None] * 8)
    for i in range(rows):
        name, spec, code = NAMES[i % len(NAMES)]
        value = 800 + (i * 37) % 20000
        year, month = 2010 + i % 15, 1 + i % 12
        acquired = f"{year}.{month}" if i % 3 == 0 else (f"{year}年{month}月" if i % 3 == 1 else f"{year}-{month:02d}-15")
        sheet.append([i + 1, f"LG{i:07d}", name, spec, code, 1, "台", f"{value:,}.00元", None, None, acquired, None,
                      "办公室", "", f"{i % 40 + 1}号楼", "在用" if i % 10 else "闲置", f"{value // 4:,}", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_backend(backend: str, rows: int, profile: bool) -> dict[str, Any]:
    base.configure(backend)
    base.fresh_database(backend)
    import django

    django.setup()
    from django.core.management import call_command

    from qinjian.accounts.models import User
    from qinjian.assets.models import Asset
    from qinjian.core import context
    from qinjian.core.importing import get_spec
    from qinjian.core.importing.services import import_commit, import_decide, import_upload, import_validate
    from qinjian.core.models import ImportBatch
    from qinjian.demo.build import build_city
    from qinjian.demo.plan import build_plan
    from qinjian.org.models import Unit

    call_command("migrate", verbosity=0, interactive=False)
    build_city(build_plan(people=2000, units=300))
    user = User.objects.get(username="asset")
    user.set_active_assignment(None)
    unit = Unit.objects.filter(is_active=True).order_by("-tree_path").first()
    assert unit is not None
    data = build_file(rows)
    base_rss = base.rss_mb()
    print(f"[{backend}] 文件：{rows:,} 行，{len(data) / 1024 / 1024:.1f} MB；基准内存 {base_rss:.0f} MB", flush=True)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with context.acting(user=user, source="cli"):
        if profiler:
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        options = get_spec("assets.asset").clean_options({"unit": str(unit.pk)}, user)
        batch = import_upload(user=user, kind="assets.asset", upload=io.BytesIO(data), name="bench.xlsx",
                              options=options)
        batch = import_validate(batch=batch, user=user)
        validated = time.perf_counter()
        assert batch.status == ImportBatch.Status.VALIDATED, (batch.message, batch.errors[:5])
        pending = batch.counts.get("confirm", 0)
        if pending:
            batch = import_decide(batch=batch, user=user, accept_suggested=True)
        decided = time.perf_counter()
        assert batch.counts.get("confirm", 0) == 0, batch.message
        validate_rss = base.rss_mb()
        batch = import_commit(batch=batch, user=user)
        committed, cpu_committed = time.perf_counter(), time.process_time()
        if profiler:
            profiler.disable()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Asset.objects.filter(unit=unit, legacy_code__startswith="LG").count() == rows
    result = {"backend": backend, "rows": rows, "validate_s": validated - started, "confirm_s": decided - validated,
              "confirmed_rows": pending, "commit_s": committed - decided, "total_s": committed - started,
              "rows_per_s": rows / (committed - started), "cpu_s": cpu_committed - cpu_started, "rss_base_mb": base_rss, "rss_validate_mb": validate_rss,
              "rss_peak_mb": base.rss_mb(), "load": os.getloadavg()[0]}
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return result


def print_result(r: dict[str, Any]) -> None:
    print(f"\n== {r['backend']}: 导入旧资产台账 {r['rows']:,} 行，系统负载 {r['load']:.1f} ==")
    print(f"校验（预览）      {r['validate_s']:7.1f} s")
    print(f"确认分类          {r['confirm_s']:7.1f} s（一键接受推荐 {r['confirmed_rows']:,} 行，重新校验）")
    print(f"确认导入          {r['commit_s']:7.1f} s（卡片、履历、账务变动、变更记录）")
    print(f"合计              {r['total_s']:7.1f} s  {r['rows_per_s']:8,.0f} 行/秒   目标 < {GOAL_SECONDS:.0f} s"
          f"（本进程 CPU {r['cpu_s']:.1f} s，不含数据库服务器）")
    print(f"内存（峰值 RSS）基准 {r['rss_base_mb']:.0f} MB → 校验后 {r['rss_validate_mb']:.0f} MB → "
          f"导入后 {r['rss_peak_mb']:.0f} MB")
    print("达标" if r["total_s"] < GOAL_SECONDS else "未达标")


def main() -> None:
    parser = argparse.ArgumentParser(description="旧资产台账导入基准测试")
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("-n", type=int, default=ROWS)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = run_backend(args.worker, args.n, args.profile)
        (base.BENCH_DIR / f"import-assets-{args.worker}.json").write_text(json.dumps(result, indent=1))
        print_result(result)
        return
    import subprocess

    want_pg = args.pg or os.environ.get("QINJIAN_BENCH_PG", "") in {"1", "true", "yes"}
    backends = (["sqlite"] if args.sqlite or not want_pg else []) + (["postgresql"] if want_pg else [])
    failed = False
    for backend in backends:
        cmd = [sys.executable, __file__, "--worker", backend, "-n", str(args.n)] + (["--profile"] if args.profile else [])
        failed |= subprocess.call(cmd) != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

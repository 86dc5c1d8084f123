"""Asset benchmarks at city scale (500,000 cards, 300 units): the card list, the as-of-date ledger, depreciation.

    python benchmarks/assets_bench.py                 # SQLite; plus PostgreSQL when QINJIAN_BENCH_PG=1
    python benchmarks/assets_bench.py --pg --sqlite   # both
    python benchmarks/assets_bench.py -n 50 --out /tmp/assets_perf.md

Each backend runs in its own process on the benchmark database (``generate.py`` for units and people,
``assets_generate.py`` for the cards). Measured, as the center's 资产管理处 user (scope: all):

(a) the card list page /assets/cards/, its results card alone (what htmx fetches when a filter, the sort or the
    page changes) and the card API /api/assets/cards/ with filters (unit with its subtree, status, class prefix,
    search), p50/p95 against the raw floor — the same page of rows and
    the count fetched with the database driver alone and serialized to JSON: for the page the columns of
    its table, for the API every field the API answers — and query counts;
(b) the ledger summary by unit and class as of the last year-end (``assets.selectors.ledger_summary``);
(c) the monthly depreciation run (``assets.services.depreciation.depreciation_run``), in a transaction
    that is rolled back, so it can be measured again.
A part whose code is not there yet is reported as missing, not failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime as dt
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assets_generate
import generate
from run import _interleaved, _pct

GOAL_LIST_P95_MS, GOAL_RATIO, GOAL_LEDGER_S, GOAL_RUN_S = 150.0, 3.0, 1.0, 60.0
SEARCH = "计算机"
CLASS_PREFIX = "A0201"
STATUS = "in_use"
PAGE_SIZE = 50

FLOOR_SQL = """
SELECT a.id, a.code, a.name, a.class_code, c.name, a.spec_model, u.id, u.name, d.name, p.name, a.location, a.status,
       a.quantity, a.original_value, a.accumulated_depreciation, a.acquired_on
FROM assets_asset a
JOIN org_unit u ON u.id = a.unit_id
JOIN standards_assetclass c ON c.id = a.asset_class_id
LEFT JOIN org_department d ON d.id = a.department_id
LEFT JOIN org_person p ON p.id = a.custodian_id
WHERE {where}
ORDER BY u.tree_path, a.code
LIMIT {ph}
"""
FLOOR_COUNT = "SELECT COUNT(*) FROM assets_asset a JOIN org_unit u ON u.id = a.unit_id WHERE {where}"
# The API answers every field of a card (AssetSerializer): its floor fetches and serializes all of them.
API_COLUMNS = ("id", "code", "name", "kind", "class_code", "class_confirmed", "spec_model", "brand", "serial_number",
               "quantity", "measure_unit", "value_type", "original_value", "value_fiscal", "value_nonfiscal",
               "accumulated_depreciation", "acquisition_method", "acquired_on", "booked_on", "supplier",
               "warranty_until", "purchase_project", "invoice_no", "voucher_no", "status", "status_since", "location",
               "depreciation_method", "useful_life_months", "depreciation_start", "depreciated_through",
               "disposed_on", "disposal_method", "legacy_code", "legacy_class_code", "notes", "created_at",
               "updated_at")
FLOOR_API_SQL = FLOOR_SQL.replace(
    "a.id, a.code, a.name, a.class_code, c.name, a.spec_model, u.id, u.name, d.name, p.name, a.location, a.status,\n"
    "       a.quantity, a.original_value, a.accumulated_depreciation, a.acquired_on",
    ", ".join(f"a.{c}" for c in API_COLUMNS) + ", c.name, u.id, u.code, u.name, u.short_name, d.id, d.code, d.name, "
    "p.id, p.code, p.name")


def _page_row(r: tuple[Any, ...]) -> dict[str, Any]:
    return {"id": r[0], "code": r[1], "name": r[2], "class_code": r[3], "class_name": r[4], "spec_model": r[5],
            "unit": {"id": r[6], "name": r[7]}, "department": r[8], "custodian": r[9], "location": r[10],
            "status": r[11], "quantity": r[12], "original_value": str(r[13]), "accumulated_depreciation": str(r[14]),
            "acquired_on": str(r[15])}


def _api_row(r: tuple[Any, ...]) -> dict[str, Any]:
    n = len(API_COLUMNS)
    row = dict(zip(API_COLUMNS, r[:n], strict=True))
    row["class_name"] = r[n]
    row["unit"] = {"id": r[n + 1], "code": r[n + 2], "name": r[n + 3], "short_name": r[n + 4]}
    row["department"] = None if r[n + 5] is None else {"id": r[n + 5], "code": r[n + 6], "name": r[n + 7]}
    row["custodian"] = None if r[n + 8] is None else {"id": r[n + 8], "code": r[n + 9], "name": r[n + 10]}
    return row


def make_floor(backend: str, tree_path: str, *, search: bool, unit_id: int | None = None,
               api: bool = False) -> Any:
    """The floor of the page (the columns of its table) or, with ``api``, of the API (every field of a card)."""
    if backend == "postgresql":
        conn: Any = generate.pg_floor_connection()
        ph = "%s"
        like = "UPPER({col}) LIKE UPPER(%s)"
    else:
        import sqlite3

        from django.conf import settings

        conn = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        ph = "?"
        like = "{col} LIKE ?"
    where = f"{'a.unit_id' if unit_id else 'u.tree_path LIKE'} {'=' if unit_id else ''} {ph} AND a.status = {ph} " \
            f"AND a.class_code LIKE {ph}"
    params: list[Any] = [unit_id or tree_path + "%", STATUS, CLASS_PREFIX + "%"]
    if search:
        cols = ("a.code", "a.name", "a.spec_model", "a.legacy_code")
        where += " AND (" + " OR ".join(like.format(col=c) for c in cols) + ")"
        params += [f"%{SEARCH}%"] * len(cols)
    rows_sql, count_sql = (FLOOR_API_SQL if api else FLOOR_SQL).format(where=where, ph=ph), FLOOR_COUNT.format(where=where)

    shape = _api_row if api else _page_row

    def floor() -> str:
        cur = conn.cursor()
        cur.execute(count_sql, params)
        count = cur.fetchone()[0]
        cur.execute(rows_sql, [*params, PAGE_SIZE])
        results = [shape(r) for r in cur.fetchall()]
        return json.dumps({"count": count, "results": results}, ensure_ascii=False, default=str)

    return floor


def _resolve(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def bench_lists(backend: str, n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qinjian.accounts.models import User
    from qinjian.org.models import Unit

    page_url = _resolve("assets:asset_list")
    user = User.objects.get(username="asset")
    root = Unit.objects.get(code="SFS")
    client = Client()
    client.force_login(user)
    out: dict[str, Any] = {"rows": [], "missing": []}
    if page_url is None:
        out["missing"].append("资产卡片列表页面（assets:asset_list）")
    unit = Unit.objects.filter(code="SFS-JYJ").first() or root
    scenarios = [("全市（含下级）", root, True, False), ("全市（含下级）", root, True, True),
                 (unit.short_name or unit.name, unit, False, False), (unit.short_name or unit.name, unit, False, True)]
    for label, where, subtree, search in scenarios:
        floors = {name: make_floor(backend, where.tree_path, search=search, unit_id=None if subtree else where.pk,
                                   api=name == "api") for name in ("page", "api")}
        expected = json.loads(floors["page"]())["count"]
        page_params: dict[str, Any] = {"unit": where.pk, "status": STATUS, "class_code": CLASS_PREFIX,
                                       "per_page": PAGE_SIZE}
        api_params: dict[str, Any] = {"status": STATUS, "class_code": CLASS_PREFIX, "page_size": PAGE_SIZE}
        if subtree:
            page_params["include_sub"] = "on"
            api_params["within"] = where.pk
        else:
            api_params["unit"] = where.pk
        if search:
            page_params["q"] = SEARCH
            api_params["search"] = SEARCH
        targets: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
            "api": ("/api/assets/cards/", api_params, {})}
        if page_url:
            targets["page"] = (page_url, page_params, {})
            # what a change of filter, sort or page fetches (htmx): the results card only, on the page's floor
            targets["results"] = (page_url, page_params, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "qj-results"})
        calls: dict[str, Any] = {f"floor_{name}": floor for name, floor in floors.items()}
        queries: dict[str, int] = {}
        for name, (url, params, headers) in targets.items():
            def call(url: str = url, params: dict[str, Any] = params, headers: dict[str, str] = headers) -> Any:
                response = client.get(url, params, **headers)
                if response.status_code != 200:
                    raise SystemExit(f"{url} 返回 {response.status_code}")
                return response

            response = call()
            if name == "api":
                body = response.json()
                if body.get("count_capped") and body.get("count", 0) < expected:
                    print(f"  API 计数封顶：{body['count']}+ 条（floor 为 {expected} 条）")
                elif body.get("count") != expected:
                    print(f"  注意：API 返回 {body.get('count')} 条，floor 为 {expected} 条（筛选条件语义可能不同）")
            with CaptureQueriesContext(connection) as captured:
                call()
            queries[name] = len(captured)
            calls[name] = call
        runs = n if not subtree else max(5, n // 4)  # the city-wide case takes seconds per request on SQLite
        timings = _interleaved(calls, runs, warmup=2)
        for name in targets:
            t, base = timings[name], timings[f"floor_{'api' if name == 'api' else 'page'}"]
            out["rows"].append({"endpoint": name, "scope": label, "search": search, "matches": expected,
                                "queries": queries[name], "n": runs, **t,
                                "floor_p50": base["p50"], "floor_p95": base["p95"],
                                "ratio_p50": t["p50"] / base["p50"], "ratio_p95": t["p95"] / base["p95"]})
    return out


def _timed(fn: Any, n: int) -> dict[str, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return {"p50": sorted(samples)[len(samples) // 2], "p95": _pct(samples, 0.95), "max": max(samples)}


def bench_ledger(n: int) -> dict[str, Any]:
    from qinjian.accounts.models import User

    try:
        from qinjian.assets.selectors import ledger_summary
    except ImportError:
        return {"missing": "尚未实现：qinjian.assets.selectors.ledger_summary"}
    user = User.objects.get(username="asset")
    year_end = datetime.date(datetime.date.today().year - 1, 12, 31)
    result: dict[str, Any] = {"day": year_end.isoformat()}
    result["by_unit_class"] = _timed(lambda: ledger_summary(user, year_end), n)
    result["by_class"] = _timed(lambda: ledger_summary(user, year_end, by_unit=False), n)
    result["today"] = _timed(lambda: ledger_summary(user, datetime.date.today()), n)
    result["groups"] = len(ledger_summary(user, year_end))
    ledger_url = _resolve("assets:ledger")
    if ledger_url:
        from django.test import Client

        client = Client()
        client.force_login(user)
        result["page"] = _timed(lambda: client.get(ledger_url, {"on": year_end.isoformat()}), max(3, n // 2))
    return result


class _Rollback(Exception):
    pass


def bench_depreciation() -> dict[str, Any]:
    """(c) Last month's run, twice, each in a transaction that is rolled back: the first run on the cards as
    generated (never charged: every card is made up from its booking month, 补提), then a regular month (the
    cards charged through the month before — committed and, on PostgreSQL, vacuumed first, as after last
    month's run). The cards are put back as generated afterwards (charged nothing), so it can run again."""
    from django.db import connection, transaction
    from django.db.models import F

    try:
        from qinjian.assets.services.depreciation import (
            depreciation_backfill,
            depreciation_run,
            previous_month,
        )
    except ImportError:
        return {"missing": "尚未实现：qinjian.assets.services.depreciation.depreciation_run"}
    from qinjian.assets.models import Asset, DepreciationRun

    month = previous_month(datetime.date.today())

    def timed() -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            with transaction.atomic():
                DepreciationRun.objects.filter(month__gte=month).delete()
                out["load"] = os.getloadavg()[0]
                start, cpu = time.perf_counter(), time.process_time()
                run = depreciation_run(month=month, actor=None)
                out.update(seconds=time.perf_counter() - start, cpu=time.process_time() - cpu, cards=run.asset_count,
                           amount=str(run.total_amount))
                raise _Rollback
        except _Rollback:
            pass
        return out

    def settle() -> None:  # what the run does after it commits (and autovacuum after a bulk change)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {Asset._meta.db_table}")

    def as_generated() -> None:
        Asset.objects.filter(depreciated_through__isnull=False).update(
            accumulated_depreciation=F("opening_depreciation"), depreciated_through=None)
        settle()

    if Asset.objects.filter(depreciated_through__isnull=False).exists():  # an interrupted earlier benchmark
        as_generated()
    result: dict[str, Any] = {"month": month.isoformat(), **timed()}
    try:
        depreciation_backfill(through=previous_month(month))
        settle()
        result["regular"] = timed()
    finally:
        as_generated()
    return result


def run_backend(backend: str, n: int, only: str = "") -> dict[str, Any]:
    if only == "lists":  # the card list needs no depreciation fields (fix_policies rewrites 500,000 cards)
        assets_generate.generate.ensure_data(backend, quiet=False)
        assets_generate.fill(assets_generate.CARDS, quiet=False)
    else:
        assets_generate.ensure(backend, quiet=False)
    from qinjian.assets.models import Asset

    results: dict[str, Any] = {"backend": backend, "cards": Asset.objects.count(), "load_before": os.getloadavg()[0]}
    results["lists"] = bench_lists(backend, n) if only in ("", "lists") else {"rows": [], "missing": []}
    results["ledger"] = bench_ledger(max(5, n // 10)) if only in ("", "ledger") else {"missing": "未测（--only）"}
    results["depreciation"] = bench_depreciation() if only in ("", "depreciation") \
        else {"missing": "未测（--only）"}
    results["load_after"] = os.getloadavg()[0]
    return results


def report(results: dict[str, Any], n: int) -> str:
    lines = [f"### {results['backend']}（{results['cards']:,} 张资产卡片；系统负载 {results['load_before']:.1f} → "
             f"{results['load_after']:.1f}）", ""]
    lists = results["lists"]
    for missing in lists["missing"]:
        lines.append(f"- 尚未实现，未测：{missing}")
    lines += ["", f"(a) 资产卡片列表：使用状况=在用、分类前缀 {CLASS_PREFIX}，每页 {PAGE_SIZE} 条", "",
              "| 端点 | 单位 | 搜索 | 命中 | 次数 | p50 ms | p95 ms | floor p50 | floor p95 | ×p50 | ×p95 | 查询数 | 目标 |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in lists["rows"]:
        ok = r["p95"] < GOAL_LIST_P95_MS and r["ratio_p95"] <= GOAL_RATIO
        lines.append(f"| {r['endpoint']} | {r['scope']} | {'“' + SEARCH + '”' if r['search'] else '—'} | {r['matches']} | "
                     f"{r['n']} | "
                     f"{r['p50']:.1f} | {r['p95']:.1f} | {r['floor_p50']:.2f} | {r['floor_p95']:.2f} | "
                     f"{r['ratio_p50']:.1f} | {r['ratio_p95']:.1f} | {r['queries']} | {'达到' if ok else '未达到'} |")
    ledger = results["ledger"]
    lines.append("")
    if "missing" in ledger:
        lines.append(f"(b) 账面汇总：{ledger['missing']}")
    else:
        lines.append(f"(b) 截至 {ledger['day']} 的资产账面汇总（{ledger['groups']} 个单位×类别组）：")
        for key, label in (("by_unit_class", "按单位和类别"), ("by_class", "按类别（全市合计）"), ("today", "按单位和类别，截至今天"),
                           ("page", "资产账页面")):
            if key in ledger:
                t = ledger[key]
                ok = t["p95"] < GOAL_LEDGER_S
                lines.append(f"- {label}：p50 {t['p50'] * 1000:.0f} ms，p95 {t['p95'] * 1000:.0f} ms"
                             f"（目标 < 1 秒：{'达到' if ok else '未达到'}）")
    dep = results["depreciation"]
    lines.append("")
    if "missing" in dep:
        lines.append(f"(c) 月度折旧计提：{dep['missing']}")
    else:
        ok = dep["seconds"] < GOAL_RUN_S
        lines.append(f"(c) 首次计提 {dep['month'][:7]} 折旧（卡片从未计提，逐月补提）：{dep['cards']:,} 项资产，合计 {dep['amount']} 元，"
                     f"用时 {dep['seconds']:.1f} 秒（本进程 CPU {dep['cpu']:.1f} 秒；负载 {dep.get('load', 0):.1f}；"
                     f"目标 < 60 秒：{'达到' if ok else '未达到'}）")
        reg = dep.get("regular")
        if reg:
            lines.append(f"    常规月份（已计提至上上月）：{reg['cards']:,} 项资产，合计 {reg['amount']} 元，用时 {reg['seconds']:.1f} 秒"
                         f"（本进程 CPU {reg['cpu']:.1f} 秒；负载 {reg['load']:.1f}；"
                         f"目标 < 60 秒：{'达到' if reg['seconds'] < GOAL_RUN_S else '未达到'}）")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="资产基准测试（50 万张卡片：列表、账面汇总、折旧计提）")
    parser.add_argument("--pg", action="store_true", help="测 PostgreSQL（或设 QINJIAN_BENCH_PG=1）")
    parser.add_argument("--sqlite", action="store_true", help="测 SQLite（未指定任何数据库时默认）")
    parser.add_argument("-n", type=int, default=40, help="每项请求次数（默认 40；全市范围的取其四分之一）")
    parser.add_argument("--out", default="", help="把结果（Markdown）追加写入此文件")
    parser.add_argument("--only", choices=["lists", "ledger", "depreciation"], default="",
                        help="只测其中一项（卡片列表、账面汇总或折旧计提）")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        results = run_backend(args.worker, args.n, args.only)
        (generate.BENCH_DIR / f"assets-results-{args.worker}.json").write_text(
            json.dumps(results, ensure_ascii=False, indent=1))
        text = report(results, args.n)
        print(text)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as fh:
                fh.write(text + "\n")
        return

    backends = []
    if args.sqlite or not (args.pg or generate.want_pg(False)):
        backends.append("sqlite")
    if generate.want_pg(args.pg):
        backends.append("postgresql")
    header = (f"机器：{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} 核 · "
              f"Python {platform.python_version()} · {dt.now():%Y-%m-%d %H:%M}")
    print(header)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(f"## 资产模块基准（{header}）\n\n")
    failed = False
    for backend in backends:
        cmd = [sys.executable, __file__, "--worker", backend, "-n", str(args.n)] + (["--out", args.out] if args.out else []) \
            + (["--only", args.only] if args.only else [])
        failed |= subprocess.call(cmd) != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

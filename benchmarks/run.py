"""Benchmark of the people list (page and API) at city scale, against a raw-driver floor.

    python benchmarks/run.py                  # SQLite; plus PostgreSQL when QINJIAN_BENCH_PG=1
    python benchmarks/run.py --pg --sqlite    # both
    python benchmarks/run.py -n 50 --profile  # fewer requests; print a profile of each endpoint

Each backend runs in its own process (settings are per process) on the benchmark database that
``generate.py`` fills (300 units, 20,000 people). Requests go through Django's test Client in
process, logged in as the center's 综合处 user (scope: all). The floor is the same page of rows
fetched with the database driver alone (sqlite3 / psycopg), phones decrypted, serialized to JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

PAGE_SIZES = (25, 50, 100)
SEARCH = "王"
GOAL_P95_MS, GOAL_RATIO = 100.0, 3.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(samples: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(samples), "p95": _pct(samples, 0.95)}


def _interleaved(fns: dict[str, Any], n: int, warmup: int = 10) -> dict[str, dict[str, float]]:
    """Time the functions in turn, so that a burst of load on a shared machine hits all of them alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(n):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append((time.process_time() - start_cpu) * 1000)
            wall[name].append((time.perf_counter() - start) * 1000)
    return {name: {**_summary(wall[name]), "cpu_p50": statistics.median(cpu[name])} for name in fns}


# --- the floor: the same rows with nothing but the driver ----------------------------------------------

FLOOR_SQL = """
SELECT p.id, p.code, p.name, p.gender, p.post, p.staffing_type, p.status, p.phone, p.sort_order, p.is_active,
       u.id, u.name, d.id, d.name, r.id, r.name
FROM org_person p
JOIN org_unit u ON u.id = p.unit_id
LEFT JOIN org_department d ON d.id = p.department_id
LEFT JOIN org_rank r ON r.id = p.rank_id
WHERE u.tree_path LIKE {ph} AND ({name} LIKE {pattern} OR {code} LIKE {pattern})
ORDER BY p.name, p.id
LIMIT {ph}
"""
FLOOR_COUNT = """
SELECT COUNT(*) FROM org_person p JOIN org_unit u ON u.id = p.unit_id
WHERE u.tree_path LIKE {ph} AND ({name} LIKE {pattern} OR {code} LIKE {pattern})
"""


def make_floor(backend: str, tree_path: str, size: int) -> Any:
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from django.conf import settings

    from qinjian.core import crypto

    key = crypto.field_key()
    algorithm = algorithms.SM4 if crypto.SM_AVAILABLE else algorithms.AES

    def decrypt(token: str) -> str:
        if not token:
            return ""
        raw = base64.b64decode(token.partition(":")[2])
        dec = Cipher(algorithm(key), modes.GCM(raw[:12], raw[12:28])).decryptor()
        return (dec.update(raw[28:]) + dec.finalize()).decode()

    if backend == "postgresql":
        conn: Any = generate.pg_floor_connection()
        # Case-insensitive "contains", written the way Django writes icontains on PostgreSQL.
        terms = {"ph": "%s", "pattern": "UPPER(%s)", "name": "UPPER(p.name)", "code": "UPPER(p.code)"}
    else:
        import sqlite3

        conn = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        terms = {"ph": "?", "pattern": "?", "name": "p.name", "code": "p.code"}  # SQLite LIKE ignores case
    rows_sql, count_sql = FLOOR_SQL.format(**terms), FLOOR_COUNT.format(**terms)
    like = f"%{SEARCH}%"

    def floor() -> str:
        cur = conn.cursor()
        cur.execute(count_sql, [tree_path + "%", like, like])
        count = cur.fetchone()[0]
        cur.execute(rows_sql, [tree_path + "%", like, like, size])
        results = [
            {"id": r[0], "code": r[1], "name": r[2], "gender": r[3], "post": r[4], "staffing_type": r[5],
             "status": r[6], "phone": decrypt(r[7]), "sort_order": r[8], "is_active": bool(r[9]),
             "unit": {"id": r[10], "name": r[11]}, "department": {"id": r[12], "name": r[13]} if r[12] else None,
             "rank": {"id": r[14], "name": r[15]} if r[14] else None}
            for r in cur.fetchall()
        ]
        return json.dumps({"count": count, "results": results}, ensure_ascii=False)

    return floor


# --- one backend, in this process --------------------------------------------------------------------

def run_backend(backend: str, n: int, profile: bool) -> dict[str, Any]:
    generate.ensure_data(backend, quiet=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from qinjian.accounts.models import User
    from qinjian.org.models import Person, Unit

    try:
        page_url = reverse("org:person_list")
    except NoReverseMatch:
        raise SystemExit("人员列表页面（org:person_list）尚不存在。") from None
    user = User.objects.get(username="office")
    root = Unit.objects.get(code="SFS")
    client = Client()
    client.force_login(user)
    expected = Person.objects.filter(unit__tree_path__startswith=root.tree_path, name__contains=SEARCH).count()

    targets = {
        "page": lambda size: (page_url, {"unit": root.pk, "include_sub": "on", "q": SEARCH, "sort": "name",
                                         "per_page": size}),
        "api": lambda size: ("/api/org/people/", {"within": root.pk, "search": SEARCH, "ordering": "name",
                                                  "page_size": size}),
    }
    results: dict[str, Any] = {"backend": backend, "matches": expected, "rows": [],
                               "load_before": os.getloadavg()[0]}
    for size in PAGE_SIZES:
        floor = make_floor(backend, root.tree_path, size)
        floor_rows = len(json.loads(floor())["results"])
        calls: dict[str, Any] = {"floor": floor}
        queries: dict[str, int] = {}
        for name, target in targets.items():
            url, params = target(size)

            def call(url: str = url, params: dict[str, Any] = params) -> Any:
                response = client.get(url, params)
                if response.status_code != 200:
                    raise SystemExit(f"{url} 返回 {response.status_code}")
                return response

            response = call()
            if name == "api":
                body = response.json()
                assert body["count"] == expected and len(body["results"]) == floor_rows, body.get("count")
            with CaptureQueriesContext(connection) as captured:
                call()
            queries[name] = len(captured)  # now: later requests reset the connection's query log
            calls[name] = call
            if profile and size == 50:
                _profile(call, f"{backend} {name} ×{size}")
        timings = _interleaved(calls, n)
        base = timings["floor"]
        for name in targets:
            t = timings[name]
            results["rows"].append({
                "endpoint": name, "size": size, "queries": queries[name], **t,
                "floor_p50": base["p50"], "floor_p95": base["p95"],
                "ratio_p50": t["p50"] / base["p50"], "ratio_p95": t["p95"] / base["p95"],
            })
    results["load_after"] = os.getloadavg()[0]
    return results


def _profile(call: Any, title: str) -> None:
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        call()
    prof.disable()
    print(f"\n--- profile: {title} (20 requests, by cumulative time) ---")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    print(f"--- profile: {title} (by own time) ---")
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


# --- orchestration -----------------------------------------------------------------------------------

def print_results(results: dict[str, Any], n: int) -> None:
    print(f"\n== {results['backend']}: 人员列表，单位=示范市人民政府（含下级），搜索“{SEARCH}”（{results['matches']} 人），"
          f"按姓名排序，每项 {n} 次请求 ==")
    print(f"（系统负载 {results['load_before']:.1f} → {results['load_after']:.1f}；cpu = 本进程 CPU 时间，"
          f"不含 PostgreSQL 服务进程）")
    print(f"{'endpoint':8} {'size':>4} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'floor p50':>10} {'floor p95':>10} "
          f"{'×p50':>6} {'×p95':>6} {'queries':>7}  goal")
    for r in results["rows"]:
        ok = r["p95"] < GOAL_P95_MS and r["ratio_p50"] < GOAL_RATIO
        print(f"{r['endpoint']:8} {r['size']:>4} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['cpu_p50']:>8.1f} "
              f"{r['floor_p50']:>10.2f} "
              f"{r['floor_p95']:>10.2f} {r['ratio_p50']:>6.1f} {r['ratio_p95']:>6.1f} {r['queries']:>7}  "
              f"{'ok' if ok else 'MISSED'}")
    for endpoint in ("page", "api"):
        counts = {r["queries"] for r in results["rows"] if r["endpoint"] == endpoint}
        print(f"{endpoint}: query count {'constant' if len(counts) == 1 else 'VARIES'} in page size ({sorted(counts)})")


def main() -> None:
    parser = argparse.ArgumentParser(description="人员列表基准测试（页面与 API）")
    parser.add_argument("--pg", action="store_true", help="测 PostgreSQL（或设 QINJIAN_BENCH_PG=1）")
    parser.add_argument("--sqlite", action="store_true", help="测 SQLite（未指定任何数据库时默认）")
    parser.add_argument("-n", type=int, default=200, help="每项请求次数（默认 200）")
    parser.add_argument("--profile", action="store_true", help="打印每个端点的性能剖析")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        results = run_backend(args.worker, args.n, args.profile)
        out = generate.BENCH_DIR / f"results-{args.worker}.json"
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        print_results(results, args.n)
        return

    backends = []
    if args.sqlite or not (args.pg or generate.want_pg(False)):
        backends.append("sqlite")
    if generate.want_pg(args.pg):
        backends.append("postgresql")
    print(f"机器：{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} 核 · "
          f"Python {platform.python_version()} · {datetime.now():%Y-%m-%d %H:%M}")
    failed = False
    for backend in backends:
        cmd = [sys.executable, __file__, "--worker", backend, "-n", str(args.n)] + (["--profile"] if args.profile else [])
        failed |= subprocess.call(cmd) != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""Benchmark of the Excel import of people: 100,000 new rows through the whole pipeline, against the
database's own bulk insert of the same rows.

    python benchmarks/import_people.py                 # SQLite
    python benchmarks/import_people.py --pg --sqlite   # both (or QINJIAN_BENCH_PG=1)
    python benchmarks/import_people.py -n 20000 --profile

Each backend runs in its own process on its own database (SQLite ``var/bench-import/``, PostgreSQL
``qinjian_bench_import``), rebuilt for every run: the demo city at 300 units / 2,000 people as the
reference data. The file is an .xlsx written like a user's (code, name, gender, unit code, department,
rank, post, staffing, status, phone). Timed, as the user experiences it:

* validate — upload check + read + parse + validate every row (the preview);
* commit — the plan kept by the preview (read and validated again only if something it looked at has
  changed since) + write people and change records, in one transaction (all-or-nothing).

rows/s = rows ÷ (validate + commit). The floor is the same person rows (as the pipeline stored them:
phone encrypted, blind index) inserted with the raw driver in one transaction — ``executemany`` on
sqlite3 (foreign keys checked, as on every connection of the application), ``COPY`` on psycopg (whose
foreign-key triggers check them) — into the database as the import found it: SQLite is vacuumed after the
rows are deleted, so the floor grows the file as the import did instead of refilling the pages the
deleted rows left. ratio = (validate + commit) ÷ floor. Memory: the process's peak RSS.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("QINJIAN_BENCH_IMPORT_DIR") or BASE_DIR / "var" / "bench-import")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/qinjian_bench_import"
ROWS = 100_000
GOAL_RPS, GOAL_RATIO = 3000.0, 5.0
PERSON_COLUMNS = ("code", "name", "gender", "unit_id", "department_id", "rank_id", "post", "staffing_type", "status",
                  "phone", "phone_index", "sort_order", "is_active", "created_at", "updated_at", "created_by_id")


def pg_url() -> str:
    return os.environ.get("QINJIAN_BENCH_IMPORT_PG_URL", DEFAULT_PG_URL)


def configure(backend: str) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["QINJIAN_VAR_DIR"] = str(BENCH_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qinjian.settings.local"
    os.environ["QINJIAN_DEBUG"] = "0"
    os.environ["QINJIAN_LOG_LEVEL"] = "WARNING"
    if backend == "postgresql":
        os.environ["QINJIAN_DATABASE_URL"] = pg_url()
    else:
        os.environ.pop("QINJIAN_DATABASE_URL", None)
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))


def fresh_database(backend: str) -> None:
    if backend == "postgresql":
        import psycopg

        name = pg_url().rsplit("/", 1)[1]
        with psycopg.connect(pg_url().rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"qinjian.sqlite3{suffix}").unlink(missing_ok=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_file(rows: int) -> bytes:
    """A people file over the reference city: every row valid, every code new."""
    from openpyxl import Workbook

    from qinjian.org.models import Department, Rank, Unit

    units = list(Unit.objects.filter(is_active=True).order_by("code"))
    depts: dict[int, list[str]] = {}
    for dept in Department.objects.filter(is_active=True).order_by("code"):
        depts.setdefault(dept.unit_id, []).append(dept.name)
    ranks: dict[str, list[str]] = {}
    for rank in Rank.objects.order_by("sort_order"):
        ranks.setdefault(rank.level, []).append(rank.name)
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员")
    sheet.append(["人员编号*", "姓名*", "性别*", "所在单位编码*", "部门名称", "职级", "职务", "编制类型", "状态", "手机号码"])
    for i in range(rows):
        unit = units[i % len(units)]
        unit_depts = depts.get(unit.pk, [])
        unit_ranks = ranks.get(unit.level, [])
        sheet.append([
            f"BP{i:07d}", surnames[i % 20] + given[(i // 20) % len(given)] + given[(i // 500) % len(given)], "男" if i % 2 else "女",
            unit.code, unit_depts[i % len(unit_depts)] if unit_depts else "",
            unit_ranks[i % len(unit_ranks)] if unit_ranks else "", "科员", "行政编制", "在职", f"139{i:08d}",
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def floor_insert(backend: str, rows: list[tuple[Any, ...]]) -> float:
    """The same rows inserted with nothing but the driver, in one committed transaction (then deleted)."""
    from django.db import connection

    cols = ", ".join(PERSON_COLUMNS)
    if backend == "postgresql":
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
                             password=settings["PASSWORD"] or None, dbname=settings["NAME"]) as conn:
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY org_person ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()  # written means committed, as the import's rows are
            elapsed = time.perf_counter() - started
            conn.execute("DELETE FROM org_person WHERE code LIKE 'BP%'")
            conn.commit()
        return elapsed
    import sqlite3

    conn = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")  # as Django's connection (and COPY on PostgreSQL) checks them
    marks = ", ".join("?" * len(PERSON_COLUMNS))
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO org_person ({cols}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.execute("DELETE FROM org_person WHERE code LIKE 'BP%'")
    conn.execute("VACUUM")  # no free pages left for the next run: it grows the file as the import did
    conn.close()
    return elapsed


def run_backend(backend: str, rows: int, profile: bool) -> dict[str, Any]:
    configure(backend)
    fresh_database(backend)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.signals import connection_created

    cache_mb = int(os.environ.get("QINJIAN_BENCH_SQLITE_CACHE_MB", "0"))
    if backend == "sqlite" and cache_mb:  # experiment: a larger page cache than SQLite's default 2 MB
        connection_created.connect(lambda connection, **kw: connection.cursor().execute(
            f"PRAGMA cache_size=-{cache_mb * 1024}"), weak=False)

    from qinjian.accounts.models import User
    from qinjian.core import context
    from qinjian.core.importing.services import import_commit, import_upload, import_validate
    from qinjian.core.models import ImportBatch, ObjectChange
    from qinjian.demo.build import build_city
    from qinjian.demo.plan import build_plan
    from qinjian.org.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    build_city(build_plan(people=2000, units=300))
    user = User.objects.get(username="office")
    user.set_active_assignment(None)
    data = build_file(rows)
    before_changes = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    base_rss = rss_mb()
    print(f"[{backend}] 文件：{rows:,} 行，{len(data) / 1024 / 1024:.1f} MB；基准内存 {base_rss:.0f} MB", flush=True)

    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage + "_first", time.perf_counter())
        stages[stage + "_last"] = time.perf_counter()

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with context.acting(user=user, source="cli"):
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        batch = import_upload(user=user, kind="org.person", upload=io.BytesIO(data), name="bench.xlsx")
        batch = import_validate(batch=batch, user=user, progress=progress)
        validated = time.perf_counter()
        assert batch.status == ImportBatch.Status.VALIDATED, (batch.message, batch.errors[:5])
        validate_rss = rss_mb()
        batch = import_commit(batch=batch, user=user, progress=progress)
        committed = time.perf_counter()
        if profiler:
            profiler.disable()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.filter(code__startswith="BP").count() == rows
    changes = ObjectChange.objects.filter(id__gt=before_changes).count()

    quoted = ", ".join(connection.ops.quote_name(c) for c in PERSON_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM org_person WHERE code LIKE 'BP%%' ORDER BY id")
        stored = [tuple(r) for r in cursor.fetchall()]
        cursor.execute("DELETE FROM org_person WHERE code LIKE 'BP%%'")
    if backend == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
    floor = min(floor_insert(backend, stored) for _ in range(3))

    t_validate, t_commit = validated - started, committed - validated
    total = t_validate + t_commit
    result = {
        "backend": backend, "rows": rows, "validate_s": t_validate, "commit_s": t_commit, "total_s": total,
        "rows_per_s": rows / total, "validate_rows_per_s": rows / t_validate, "commit_rows_per_s": rows / t_commit,
        "floor_s": floor, "floor_rows_per_s": rows / floor, "ratio": total / floor,
        "commit_ratio": t_commit / floor, "rss_base_mb": base_rss, "rss_validate_mb": validate_rss,
        "rss_peak_mb": rss_mb(), "change_records": changes, "load": os.getloadavg()[0],
    }
    if profiler:
        import pstats

        print(f"\n--- profile: {backend} (by own time) ---")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        print(f"--- profile: {backend} (cumulative) ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return result


def print_result(r: dict[str, Any]) -> None:
    ok = r["rows_per_s"] >= GOAL_RPS and r["ratio"] <= GOAL_RATIO
    print(f"\n== {r['backend']}: 导入 {r['rows']:,} 名人员（新增），系统负载 {r['load']:.1f} ==")
    print(f"校验（预览）  {r['validate_s']:7.1f} s  {r['validate_rows_per_s']:8,.0f} 行/秒")
    print(f"确认导入      {r['commit_s']:7.1f} s  {r['commit_rows_per_s']:8,.0f} 行/秒（含再次校验与变更记录）")
    print(f"合计          {r['total_s']:7.1f} s  {r['rows_per_s']:8,.0f} 行/秒   目标 ≥ {GOAL_RPS:,.0f}")
    print(f"驱动批量插入  {r['floor_s']:7.2f} s  {r['floor_rows_per_s']:8,.0f} 行/秒   "
          f"倍数 {r['ratio']:.1f}×（仅写入阶段 {r['commit_ratio']:.1f}×）目标 ≤ {GOAL_RATIO:.0f}×")
    print(f"内存（峰值 RSS）基准 {r['rss_base_mb']:.0f} MB → 校验后 {r['rss_validate_mb']:.0f} MB → 导入后 "
          f"{r['rss_peak_mb']:.0f} MB；变更记录 {r['change_records']:,} 条")
    print("达标" if ok else "未达标")


def main() -> None:
    parser = argparse.ArgumentParser(description="人员导入基准测试")
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("-n", type=int, default=ROWS, help="行数（默认 100000）")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = run_backend(args.worker, args.n, args.profile)
        (BENCH_DIR / f"import-{args.worker}.json").write_text(json.dumps(result, indent=1))
        print_result(result)
        return
    backends = []
    want_pg = args.pg or os.environ.get("QINJIAN_BENCH_PG", "") in {"1", "true", "yes"}
    if args.sqlite or not want_pg:
        backends.append("sqlite")
    if want_pg:
        backends.append("postgresql")
    print(f"机器：{platform.node()} · {os.cpu_count()} 核 · Python {platform.python_version()} · "
          f"{datetime.now():%Y-%m-%d %H:%M}")
    failed = False
    for backend in backends:
        cmd = [sys.executable, __file__, "--worker", backend, "-n", str(args.n)] + (["--profile"] if args.profile else [])
        failed |= subprocess.call(cmd) != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

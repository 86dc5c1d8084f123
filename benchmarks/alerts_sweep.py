"""Benchmark of an alert sweep over 20,000 objects: the 单位超编 rule over 20,000 units (60,000 people).

    python benchmarks/alerts_sweep.py            # SQLite (its own database under var/bench-alerts/)
    python benchmarks/alerts_sweep.py --pg       # PostgreSQL database qinjian_bench_alerts
    python benchmarks/alerts_sweep.py --fresh    # rebuild the data first

Each unit has 3 people of 行政编制; one unit in ten has a quota below that, so the first sweep opens
~2,000 alerts. Timed: the first sweep (opens them), a second sweep (idempotent: nothing changes), and a
sweep after raising the quota of a quarter of the over-quota units (closes those), and the worst cases:
every unit over quota at once (20,000 alerts opened), every alert changed at once (the severe threshold
moves, 20,000 updated), then none over quota (20,000 closed). Goal: each < 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench-alerts"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/qinjian_bench_alerts"
UNITS, PER_UNIT, GOAL_S = 20_000, 3, 10.0
CODE = "org.unit_over_quota"


def configure(backend: str) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["QINJIAN_VAR_DIR"] = str(BENCH_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qinjian.settings.local"
    os.environ["QINJIAN_DEBUG"] = "0"
    os.environ["QINJIAN_LOG_LEVEL"] = "WARNING"
    if backend == "postgresql":
        os.environ["QINJIAN_DATABASE_URL"] = os.environ.get("QINJIAN_BENCH_ALERTS_PG_URL", DEFAULT_PG_URL)
    else:
        os.environ.pop("QINJIAN_DATABASE_URL", None)
    sys.path.insert(0, str(BASE_DIR))


def prepare(backend: str, fresh: bool) -> None:
    if backend == "postgresql":
        import psycopg

        url = os.environ["QINJIAN_DATABASE_URL"]
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and fresh:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"qinjian.sqlite3{suffix}").unlink(missing_ok=True)


def fill() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from qinjian.core import context
    from qinjian.org.choices import AdminLevel, StaffingType, UnitType
    from qinjian.org.models import Person, Unit
    from qinjian.org.services.units import unit_create

    call_command("migrate", verbosity=0, interactive=False)
    if Unit.objects.count() > UNITS:
        return
    started = time.perf_counter()
    with context.acting(source="cli"), transaction.atomic():
        root = unit_create(parent=None, code="BENCH", name="基准测试市", unit_type=UnitType.PARTY_GOV,
                           level=AdminLevel.CITY)
        units = Unit.objects.bulk_create(
            [Unit(code=f"B{n:06d}", name=f"基准单位{n}", unit_type=UnitType.PARTY_GOV, level=AdminLevel.CITY,
                  parent=root, depth=1, quota_admin=PER_UNIT - 1 if n % 10 == 0 else PER_UNIT)
             for n in range(UNITS)], batch_size=1000)
        for unit in units:
            unit.tree_path = root.tree_path + Unit.path_segment(unit.pk) + "/"
        Unit.objects.bulk_update(units, ["tree_path"], batch_size=1000)
        Person.objects.bulk_create(
            [Person(code=f"BP{u.pk:07d}{i}", name=f"人员{u.pk}-{i}", gender="M", unit=u,
                    staffing_type=StaffingType.ADMIN, phone="") for u in units for i in range(PER_UNIT)],
            batch_size=2000)
    print(f"已生成 {UNITS} 个单位、{UNITS * PER_UNIT} 名人员（{time.perf_counter() - started:.1f} 秒）。")


def run(backend: str, fresh: bool) -> None:
    configure(backend)
    prepare(backend, fresh)
    import django

    django.setup()
    from django.db import connection

    from qinjian.alerts.models import Alert, AlertRule
    from qinjian.alerts.services import rule_update, sweep_rule
    from qinjian.core import context
    from qinjian.org.models import Unit

    fill()
    # start from no alerts so the first sweep opens them all (the closed rows of earlier runs stay)
    Alert.objects.filter(rule__code=CODE).live().update(status="closed")
    units = Unit.objects.filter(code__startswith="B").exclude(code="BENCH")
    over = units.filter(quota_admin__lt=PER_UNIT).count()
    print(f"[{backend}] {connection.vendor} · {units.count()} 个单位 · 超编 {over} 个")
    rows = []
    with context.acting(source="cli"):
        for label in ("首次扫描（新增预警）", "再次扫描（无变化）"):
            started, cpu = time.perf_counter(), time.process_time()
            result = sweep_rule(code=CODE)
            rows.append((label, time.perf_counter() - started, time.process_time() - cpu, result))
        raised = list(units.filter(quota_admin__lt=PER_UNIT).values_list("pk", flat=True)[: over // 4])
        Unit.objects.filter(pk__in=raised).update(quota_admin=PER_UNIT + 1)
        started, cpu = time.perf_counter(), time.process_time()
        result = sweep_rule(code=CODE)
        rows.append(("核增编制后扫描（关闭 1/4）", time.perf_counter() - started, time.process_time() - cpu, result))
        # worst case: every unit over quota at once
        units.update(quota_admin=PER_UNIT - 1)
        started, cpu = time.perf_counter(), time.process_time()
        result = sweep_rule(code=CODE)
        rows.append(("全部超编（每个单位一条）", time.perf_counter() - started, time.process_time() - cpu, result))
        # every live alert changes at once (the severe threshold moves: 严重 → 预警 for all 20,000)
        rule = AlertRule.objects.get(code=CODE)
        rule_update(rule=rule, enabled=True, severity=rule.severity, frequency=rule.frequency,
                    parameters={"severe_percent": 100})
        started, cpu = time.perf_counter(), time.process_time()
        result = sweep_rule(code=CODE)
        rows.append(("全部变化（每条更新）", time.perf_counter() - started, time.process_time() - cpu, result))
        rule_update(rule=rule, enabled=True, severity=rule.severity, frequency=rule.frequency,
                    parameters={"severe_percent": 10})
        units.update(quota_admin=PER_UNIT)
        started, cpu = time.perf_counter(), time.process_time()
        result = sweep_rule(code=CODE)
        rows.append(("全部恢复（全部关闭）", time.perf_counter() - started, time.process_time() - cpu, result))
        Unit.objects.filter(pk__in=list(units.values_list("pk", flat=True)[::10])).update(quota_admin=PER_UNIT - 1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"  （负载 {load:.1f}；“本进程 CPU”不含数据库服务器的时间）")
    for label, seconds, cpu_s, r in rows:
        flag = "达标" if seconds < GOAL_S else "未达标"
        print(f"  {label}：{seconds:.2f} 秒，本进程 CPU {cpu_s:.2f} 秒（新增 {r.opened}，更新 {r.updated}，"
              f"关闭 {r.closed}，未关闭 {r.live}）{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description="预警扫描基准：单位超编规则扫描 20000 个单位")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL（库名 qinjian_bench_alerts）")
    parser.add_argument("--fresh", action="store_true", help="删除并重建基准数据")
    args = parser.parse_args()
    run("postgresql" if args.pg else "sqlite", args.fresh)


if __name__ == "__main__":
    main()

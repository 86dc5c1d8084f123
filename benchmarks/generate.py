"""City-scale synthetic data for the benchmarks: 300 units and 20,000 people, in a separate database.

    python benchmarks/generate.py                 # SQLite under var/bench/
    python benchmarks/generate.py --pg            # PostgreSQL database qinjian_bench (or QINJIAN_BENCH_PG=1)
    python benchmarks/generate.py --fresh         # drop and rebuild the benchmark database

The data is the demo city (``qinjian.demo``) at a larger scale: the same generator, more counties.
The benchmark database never touches the normal one (var/qinjian.sqlite3 or QINJIAN_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/qinjian_bench"
UNITS, PEOPLE = 300, 20_000


def pg_url() -> str:
    return os.environ.get("QINJIAN_BENCH_PG_URL", DEFAULT_PG_URL)


def want_pg(flag: bool) -> bool:
    return flag or os.environ.get("QINJIAN_BENCH_PG", "") in {"1", "true", "yes"}


def configure(backend: str) -> None:
    """Point this process's settings at the benchmark database; call before Django is set up."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["QINJIAN_VAR_DIR"] = str(BENCH_DIR)  # its own keys, cache and SQLite file
    os.environ["DJANGO_SETTINGS_MODULE"] = "qinjian.settings.local"
    os.environ["QINJIAN_DEBUG"] = "0"
    os.environ["QINJIAN_LOG_LEVEL"] = "WARNING"
    os.environ["QINJIAN_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    if backend == "postgresql":
        os.environ["QINJIAN_DATABASE_URL"] = pg_url()
    else:
        os.environ.pop("QINJIAN_DATABASE_URL", None)
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))


def pg_floor_connection() -> Any:
    """A raw driver connection to the benchmark database for a floor, with the session settings the
    application's own connections get (``OPTIONS["options"]``, e.g. random_page_cost); Django is set up."""
    import psycopg
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options")
    return psycopg.connect(pg_url(), autocommit=True, **({"options": options} if options else {}))


def _pg_admin(sql: str) -> None:
    import psycopg

    url = pg_url()
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists() -> bool:
    import psycopg

    name = pg_url().rsplit("/", 1)[1]
    with psycopg.connect(pg_url().rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def prepare_database(backend: str, fresh: bool) -> None:
    if backend == "postgresql":
        name = pg_url().rsplit("/", 1)[1]
        if fresh and _pg_exists():
            _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not _pg_exists():
            _pg_admin(f'CREATE DATABASE "{name}"')
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"qinjian.sqlite3{suffix}").unlink(missing_ok=True)


def ensure_data(backend: str, *, units: int = UNITS, people: int = PEOPLE, fresh: bool = False,
                quiet: bool = False) -> None:
    """Migrate and fill the benchmark database unless it already holds the requested city."""
    configure(backend)
    prepare_database(backend, fresh)
    import django

    django.setup()
    from django.core.management import call_command

    from qinjian.demo.build import build_city
    from qinjian.demo.plan import build_plan
    from qinjian.org.models import Person, Unit

    call_command("migrate", verbosity=0, interactive=False)
    if not (BENCH_DIR / "staticfiles").exists():
        call_command("collectstatic", verbosity=0, interactive=False)  # served by WhiteNoise as in production
    if Unit.objects.count() == units and Person.objects.count() == people:
        if not quiet:
            print(f"[{backend}] 基准数据已存在：{units} 个单位、{people} 名人员。")
        return
    if Unit.objects.exists():
        raise SystemExit(f"[{backend}] 基准数据库里已有规模不同的数据，请加 --fresh 重建。")
    started = time.monotonic()
    result = build_city(build_plan(people=people, units=units))
    if not quiet:
        print(f"[{backend}] 已生成 {result.created.get('units', 0)} 个单位、{result.created.get('people', 0)} 名人员"
              f"（{time.monotonic() - started:.1f} 秒）。")


def main() -> None:
    parser = argparse.ArgumentParser(description="生成城市规模的基准测试数据（独立数据库）")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL（库名 qinjian_bench）；默认 SQLite")
    parser.add_argument("--fresh", action="store_true", help="删除并重建基准数据库")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--people", type=int, default=PEOPLE)
    args = parser.parse_args()
    ensure_data("postgresql" if want_pg(args.pg) else "sqlite", units=args.units, people=args.people,
                fresh=args.fresh)


if __name__ == "__main__":
    main()

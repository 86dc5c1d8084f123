"""City-scale asset cards for the asset benchmarks: 500,000 cards across the 300 units of the benchmark city.

    python benchmarks/assets_generate.py            # SQLite (var/bench/), after generate.py's units and people
    python benchmarks/assets_generate.py --pg       # PostgreSQL qinjian_bench (or QINJIAN_BENCH_PG=1)

The cards look like the demo city's (the same catalogue of items, models and prices, GB/T 14885-2022
classes, 2012–2026 acquisitions, ~85 % 在用, ~6 % 闲置/出租出借/待处置 and ~9 % 已处置, one to ten years
after booking and never in the future) and each has its journal lines (入账, and 处置 for the disposed ones),
so the as-of-date ledger and the depreciation run work on them; the last 24 month-end balances are built as
the monthly runs would have. They are written with raw multi-row INSERTs (no change log, no 履历 rows): this
is benchmark data, not a way to enter assets (that is ``qinjian.assets.services.bulk.bulk_book_new``).
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

CARDS = 500_000
SEED = 14885
CHUNK = 5_000
WEIGHTS = {"desktop": 20, "laptop": 6, "printer": 8, "mfp": 2, "ac": 8, "desk": 14, "chair": 14, "file_cabinet": 8,
           "copier": 1, "shredder": 2, "projector": 1, "switch": 1, "server": 1, "safe": 1, "tv": 1, "camera": 1,
           "sofa": 1, "meeting_table": 1, "water": 1, "sedan": 0.3, "suv": 0.2, "body_cam": 1, "monitor": 0.5}


def _status(rng: random.Random) -> str:
    roll = rng.random()
    return ("disposed" if roll < 0.14 else "idle" if roll < 0.18 else "lent" if roll < 0.19
            else "pending_disposal" if roll < 0.20 else "in_use")


def fill(target: int = CARDS, *, quiet: bool = False) -> int:
    """Add cards until the benchmark database holds ``target``; returns how many were added."""
    from django.db import connection, transaction
    from django.utils import timezone

    from qinjian.assets.depreciation import policy_for
    from qinjian.assets.models import Asset, AssetMovement
    from qinjian.demo.asset_catalogue import ITEMS
    from qinjian.org.models import Department, Person, Unit
    from qinjian.standards.models import AssetClass

    have = Asset.objects.count()
    if have >= target:
        if not quiet:
            print(f"[{connection.vendor}] 基准资产卡片已存在：{have} 张。")
        return 0
    started = time.monotonic()
    rng = random.Random(SEED + have)
    units = list(Unit.objects.order_by("tree_path").values_list("pk", flat=True))
    people: dict[int, list[tuple[int, int | None]]] = {}
    for pk, unit_id, dept_id in Person.objects.values_list("pk", "unit_id", "department_id"):
        people.setdefault(unit_id, []).append((pk, dept_id))
    depts: dict[int, list[int]] = {}
    for pk, unit_id in Department.objects.values_list("pk", "unit_id"):
        depts.setdefault(unit_id, []).append(pk)
    keys = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in keys]
    classes = dict(AssetClass.objects.filter(code__in={ITEMS[k].class_code for k in keys}).values_list("code", "pk"))
    today = timezone.localdate()
    policies = {code: policy_for(code, today) for code in classes}
    sqlite = connection.vendor == "sqlite"

    def d(value: datetime.date | None) -> Any:
        return None if value is None else (value.isoformat() if sqlite else value)

    def money(value: Decimal) -> Any:
        return str(value) if sqlite else value

    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    asset_cols = ["id", "created_at", "updated_at", "code", "name", "kind", "asset_class_id", "class_code",
                  "class_confirmed", "legacy_code", "legacy_class_code", "spec_model", "brand", "serial_number",
                  "quantity", "measure_unit", "value_type", "original_value", "value_fiscal", "value_nonfiscal",
                  "acquisition_method", "acquired_on", "booked_on", "supplier", "purchase_project", "invoice_no",
                  "voucher_no", "status", "status_since", "unit_id", "department_id", "custodian_id", "location",
                  "depreciation_method", "useful_life_months", "depreciation_start", "opening_depreciation",
                  "accumulated_depreciation", "disposed_on", "disposal_method", "notes"]
    move_cols = ["id", "asset_id", "unit_id", "class_code", "occurred_on", "kind", "quantity", "value", "value_fiscal",
                 "value_nonfiscal", "created_at"]
    next_asset = (Asset.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    next_move = (AssetMovement.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    serial = have
    zero = money(Decimal("0"))

    def insert(cursor: Any, table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
        marks = "(" + ", ".join(["%s"] * len(cols)) + ")"
        step = 900 // len(cols) if sqlite else 1000  # SQLite: at most 999 parameters per statement
        names = ", ".join(f'"{c}"' for c in cols)
        for start in range(0, len(rows), step):
            part = rows[start:start + step]
            cursor.execute(f'INSERT INTO "{table}" ({names}) VALUES ' + ", ".join([marks] * len(part)),
                           [v for row in part for v in row])

    added = 0
    with transaction.atomic(), connection.cursor() as cursor:
        while have + added < target:
            n = min(CHUNK, target - have - added)
            assets: list[tuple[Any, ...]] = []
            moves: list[tuple[Any, ...]] = []
            for key in rng.choices(keys, weights, k=n):
                item = ITEMS[key]
                unit = units[rng.randrange(len(units))]
                staff = people.get(unit) or [(None, None)]
                person, dept = staff[rng.randrange(len(staff))]
                if dept is None and depts.get(unit):
                    dept = depts[unit][0]
                year = rng.randint(2012, 2026)
                acquired = datetime.date(year, rng.randint(1, 10 if year == 2026 else 12), rng.randint(1, 28))
                acquired = min(acquired, today - datetime.timedelta(days=30))
                booked = acquired + datetime.timedelta(days=rng.randint(0, 20))
                model = rng.choice(item.models)
                value = Decimal(rng.randint(model.low, model.high)).quantize(Decimal("0.01"))
                fiscal = value if rng.random() < 0.85 else (value * Decimal("0.6")).quantize(Decimal("0.01"))
                status = _status(rng)
                method, life = policies[item.class_code]
                disposed = None
                if status == "disposed":
                    # one to ten years after booking; a card whose disposal would lie ahead is still in use
                    # (clamping such dates to yesterday piled a twentieth of the city's disposals on one day)
                    disposed = booked + datetime.timedelta(days=rng.randint(365, 365 * 10))
                    if disposed >= today:
                        status, disposed = "in_use", None
                since = disposed or (booked if status == "in_use" else min(
                    booked + datetime.timedelta(days=rng.randint(30, 2000)), today - datetime.timedelta(days=1)))
                serial += 1
                code = f"ZC-{booked.year}-{serial:07d}"
                aid = next_asset
                next_asset += 1
                assets.append((
                    aid, stamp, stamp, code, rng.choice(item.names), item.kind, classes[item.class_code],
                    item.class_code, True, "", "", model.model, model.brand, "", 1, item.measure, "cost",
                    money(value), money(fiscal), money(value - fiscal), "purchase", d(acquired), d(booked), "",
                    "", "", "", status, d(since), unit, dept, person if key not in ("sedan", "suv") else None,
                    f"办公楼{rng.randint(1, 9)}层{rng.randint(1, 30):02d}室", method, life,
                    d(booked.replace(day=1)) if life else None, zero, zero, d(disposed),
                    "scrap" if disposed else "", ""))
                moves.append((next_move, aid, unit, item.class_code, d(booked), "book", 1, money(value), money(fiscal),
                              money(value - fiscal), stamp))
                next_move += 1
                if disposed:
                    moves.append((next_move, aid, unit, item.class_code, d(disposed), "disposal", -1, money(-value),
                                  money(-fiscal), money(fiscal - value), stamp))
                    next_move += 1
            insert(cursor, Asset._meta.db_table, asset_cols, assets)
            insert(cursor, AssetMovement._meta.db_table, move_cols, moves)
            added += n
            if not quiet and added % 50_000 == 0:
                print(f"  … {have + added} 张（{time.monotonic() - started:.0f} 秒）", flush=True)
        if not sqlite:
            for model in (Asset, AssetMovement):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    if not sqlite:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if not quiet:
        print(f"[{connection.vendor}] 已生成资产卡片 {added} 张（共 {have + added} 张，{time.monotonic() - started:.1f} 秒）。")
    return added


def fix_policies(*, quiet: bool = False) -> int:
    """Depreciation fields of cards generated before a class had a policy in the standards (one UPDATE per class)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from qinjian.assets.depreciation import policy_for
    from qinjian.assets.models import Asset

    month_start = ("substr(booked_on, 1, 8) || '01'" if connection.vendor == "sqlite"
                   else "CAST(date_trunc('month', booked_on) AS date)")
    changed = 0
    codes = Asset.objects.filter(useful_life_months__isnull=True).values_list("class_code", flat=True).distinct()
    with transaction.atomic(), connection.cursor() as cursor:
        for code in list(codes):
            method, life = policy_for(code, timezone.localdate())
            if not life:
                continue
            cursor.execute(f"UPDATE assets_asset SET depreciation_method = %s, useful_life_months = %s, "
                           f"depreciation_start = {month_start} WHERE class_code = %s AND useful_life_months IS NULL",
                           [method, life, code])
            changed += cursor.rowcount
    if changed and not quiet:
        print(f"[{connection.vendor}] 已补充 {changed} 张卡片的折旧年限。")
    return changed


def ensure(backend: str, *, cards: int = CARDS, fresh: bool = False, quiet: bool = False) -> None:
    generate.ensure_data(backend, fresh=fresh, quiet=quiet)
    from django.apps import apps

    from qinjian.standards.services.loader import load_all

    load_all(lambda name: apps.get_model("standards", name))  # tables added after the database was made
    fill(cards, quiet=quiet)
    fix_policies(quiet=quiet)
    month_end_balances(quiet=quiet)


def month_end_balances(*, quiet: bool = False) -> int:
    """The stored month-end balances a city has after its monthly runs (the as-of ledger reads them): the last
    24 closed month-ends, those not already stored and valid."""
    from django.db import connection

    from qinjian.assets.services.balances import DEFAULT_MONTHS, balances_build_recent

    started = time.monotonic()
    built = balances_build_recent(DEFAULT_MONTHS, only_missing=True)
    if built and not quiet:
        print(f"[{connection.vendor}] 已生成 {len(built)} 个月末余额（{time.monotonic() - started:.1f} 秒）。")
    return len(built)


def main() -> None:
    parser = argparse.ArgumentParser(description="生成资产基准测试数据（50 万张资产卡片）")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL（库名 qinjian_bench）；默认 SQLite")
    parser.add_argument("--fresh", action="store_true", help="删除并重建基准数据库")
    parser.add_argument("--cards", type=int, default=CARDS)
    args = parser.parse_args()
    ensure("postgresql" if generate.want_pg(args.pg) else "sqlite", cards=args.cards, fresh=args.fresh)


if __name__ == "__main__":
    main()

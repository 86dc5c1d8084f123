"""The as-of-date ledger with stored month-end balances, at city scale (issue 4: summary < 1 s, run < 60 s).

    QINJIAN_VAR_DIR=/tmp/x .venv/bin/python benchmarks/ledger_balances.py [--churn] [--months 24] [--run]
    QINJIAN_DATABASE_URL=postgres://…/db QINJIAN_VAR_DIR=/tmp/y .venv/bin/python benchmarks/ledger_balances.py …

Runs against the database the environment points at, which must already hold the benchmark cards
(``benchmarks/assets_generate.py``). ``--churn`` first adds real-looking activity through the ledger
primitives — transfers, disposals and value changes spread over the last three years, and new bookings
this month — so the journal between month-ends is not empty. Then it builds the month-ends, times the
summary by unit × class as of last year-end and of mid-month dates both from the balances and from the
journal alone (and checks they are equal to the cent), one unit's summary and ledger page, and with
``--run`` the monthly depreciation run (which builds its month-end). Prints the figures with the load
average.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinjian.settings.local")
os.environ.setdefault("QINJIAN_LOG_LEVEL", "WARNING")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def timed(label: str, fn: Any, repeat: int = 1) -> Any:
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    print(f"{label}: {best:.3f} s ({load()})", flush=True)
    return result


def churn(seed: int = 4) -> None:
    """Transfers, disposals and value changes through the ledger primitives, and this month's bookings."""
    from django.db import transaction
    from django.utils import timezone

    from qinjian.assets.choices import AssetStatus
    from qinjian.assets.models import Asset
    from qinjian.assets.services import ledger
    from qinjian.assets.services.bulk import bulk_book_new
    from qinjian.org.models import Unit

    rng = random.Random(seed)
    today = timezone.localdate()
    units = list(Unit.objects.filter(is_active=True).order_by("pk"))
    ids = list(Asset.objects.filter(status__in=[AssetStatus.IN_USE, AssetStatus.IDLE], booked_on__lt=datetime.date(2023, 1, 1))
               .values_list("pk", flat=True))
    picked = rng.sample(ids, 7000)
    started = time.perf_counter()

    def day_after(base: datetime.date) -> datetime.date:
        return base + datetime.timedelta(days=rng.randint(0, (today - base).days))

    for n, pk in enumerate(picked):
        with transaction.atomic():
            card = ledger.lock_assets([pk])[pk]
            on = day_after(datetime.date(2024, 1, 1))
            if n < 3000:
                ledger.transfer(card, to_unit=rng.choice([u for u in units[:40] if u.pk != card.unit_id]), on=on)
            elif n < 5000:
                ledger.dispose(card, on=on, method="scrap")
            else:
                ledger.change_value(card, new_value=card.original_value + Decimal(rng.randint(100, 5000)), on=on)
    print(f"churn: 3000 transfers, 2000 disposals, 2000 value changes in {time.perf_counter() - started:.0f} s",
          flush=True)
    template = list(Asset.objects.filter(status=AssetStatus.IN_USE).order_by("pk")[:2000])
    fresh = []
    for i, t in enumerate(template):
        booked = today.replace(day=1) + datetime.timedelta(days=rng.randint(0, max(0, today.day - 1)))
        fresh.append(Asset(name=t.name, asset_class_id=t.asset_class_id, unit_id=rng.choice(units).pk,
                           original_value=t.original_value, value_fiscal=t.original_value,
                           value_nonfiscal=Decimal("0"), acquired_on=booked, booked_on=booked, code=f"LB-{i:06d}",
                           measure_unit=t.measure_unit))
    bulk_book_new(fresh, actor=None)
    print("churn: 2000 bookings this month", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--churn", action="store_true")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--run", action="store_true", help="also time the monthly depreciation run")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--churn-only", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from qinjian.assets.models import Asset, AssetEvent, DepreciationRun
    from qinjian.assets.selectors import LedgerFilter, ledger_cards, ledger_summary
    from qinjian.assets.services.balances import balances_build, balances_build_recent, recent_month_ends
    from qinjian.assets.services.depreciation import depreciation_run
    from qinjian.org.models import Unit
    from qinjian.testing.factories import make_user

    vendor = connection.vendor
    print(f"== {vendor}: {Asset.objects.count():,} cards, {AssetEvent.objects.count():,} events ({load()})", flush=True)
    if args.churn:
        churn()
    if args.churn_only:
        return
    root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    from qinjian.accounts.models import User

    leader = User.objects.filter(username="bench_ledger").first() or make_user("center_asset", root,
                                                                                username="bench_ledger")
    today = timezone.localdate()
    if not args.no_build:
        ends = recent_month_ends(args.months)
        timed(f"build one month-end ({ends[-1]})", lambda: balances_build(ends[-1]))
        timed(f"build the last {args.months} month-ends", lambda: balances_build_recent(args.months))
    year_end = datetime.date(today.year - 1, 12, 31)
    mid = today - datetime.timedelta(days=1) if today.day > 1 else today
    days = [year_end, datetime.date(today.year, 6, 17), mid]
    for day in days:
        fast = timed(f"summary unit×class as of {day} (balances)", lambda d=day: ledger_summary(leader, d), repeat=3)
        pure = timed(f"summary unit×class as of {day} (journal only)",
                     lambda d=day: ledger_summary(leader, d, use_balances=False))
        same = fast.keys() == pure.keys() and all(
            (fast[k].quantity, fast[k].value, fast[k].fiscal, fast[k].nonfiscal, fast[k].depreciation)
            == (pure[k].quantity, pure[k].value, pure[k].fiscal, pure[k].nonfiscal, pure[k].depreciation) for k in fast)
        print(f"   {len(fast)} rows, equal to the journal: {same}", flush=True)
    unit = Unit.objects.get(pk=Asset.objects.order_by("pk").values_list("unit_id", flat=True).first())
    timed(f"one unit ({unit}) summary as of {year_end}",
          lambda: ledger_summary(leader, year_end, unit=unit, subtree=False), repeat=3)
    timed(f"one unit ({unit}) summary as of {mid}", lambda: ledger_summary(leader, mid, unit=unit, subtree=False),
          repeat=3)

    def page() -> int:
        qs = ledger_cards(leader, LedgerFilter(day=year_end, unit=unit)).order_by("code")
        count = qs.count()
        list(qs[:50])
        return count

    timed(f"one unit's ledger as of {year_end}: count + first page", page, repeat=3)
    if args.run:  # the month after the latest run (last month when there is none): a regular monthly run
        latest = DepreciationRun.objects.order_by("-month").values_list("month", flat=True).first()
        month = ((latest + datetime.timedelta(days=32)).replace(day=1) if latest
                 else (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1))
        run = timed(f"depreciation run {month:%Y-%m} (with its month-end build when the month has ended)",
                    lambda: depreciation_run(month=month, actor=leader))
        print(f"   {run.asset_count:,} cards, {run.total_amount:,.2f} 元", flush=True)

if __name__ == "__main__":
    main()

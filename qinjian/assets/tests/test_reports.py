"""The report pages, the year-end Excel report, the depreciation pages and the reports API, with scope."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.assets.models import DepreciationRun
from qinjian.assets.reports import year_report_workbook
from qinjian.assets.services import ledger
from qinjian.testing.factories import DEFAULT_PASSWORD, AssetFactory, make_user

D = datetime.date
LAST_YEAR_END = D(D.today().year - 1, 12, 31)


def card(unit, value="7200.00", booked=D(2024, 3, 10), **kw):
    value = Decimal(value)
    return AssetFactory(unit=unit, original_value=value, value_fiscal=value, value_nonfiscal=Decimal("0"),
                        acquired_on=booked, booked_on=booked, status_since=booked,
                        depreciation_start=booked.replace(day=1), useful_life_months=72, **kw)


@pytest.fixture
def users(mini_city):
    return {
        "center": make_user("center_asset", mini_city.center),
        "leader": make_user("center_leader", mini_city.center),
        "edu": make_user("unit_asset_officer", mini_city.edu),
        "health": make_user("unit_asset_officer", mini_city.health),
        "staff": make_user("staff", mini_city.edu),
    }


def login(client, user):
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


@pytest.mark.django_db
def test_hub_shows_the_ledger_as_of_a_date_within_scope(client, mini_city, users):
    card(mini_city.edu, "7200.00", name="教育局台式机")
    card(mini_city.health, "5000.00", name="卫健委台式机")
    page = login(client, users["edu"]).get(reverse("assets:ledger"), {"as_of": "2024-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2024年12月31日" in html and "信息化设备" in html and "7,200.00" in html
    assert "12,200.00" not in html and "5,000.00" not in html  # another unit's card is not counted
    center = login(client, users["leader"]).get(reverse("assets:ledger"), {"as_of": "2024-12-31"}).content.decode()
    assert "12,200.00" in center and "按单位汇总" in center


@pytest.mark.django_db
def test_cards_page_lists_what_a_unit_held_that_day(client, mini_city, users):
    moved = card(mini_city.edu, name="调出的电脑")
    ledger.transfer(ledger.lock_assets([moved.pk])[moved.pk], to_unit=mini_city.health, on=D(2025, 3, 15))
    c = login(client, users["edu"])
    before = c.get(reverse("assets:ledger_cards"), {"as_of": "2024-12-31"}).content.decode()
    after = c.get(reverse("assets:ledger_cards"), {"as_of": "2025-12-31"}).content.decode()
    assert "调出的电脑" in before and "调出的电脑" not in after
    export = c.get(reverse("assets:ledger_cards"), {"as_of": "2024-12-31", "export": "xlsx"})
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert moved.code in values and "示范市教育局" in values


@pytest.mark.django_db
def test_bad_dates_are_explained_not_500(client, users):
    c = login(client, users["center"])
    page = c.get(reverse("assets:ledger"), {"as_of": "2024-13-45"})
    assert page.status_code == 200 and "格式不正确" in page.content.decode()
    page = c.get(reverse("assets:ledger_movements"), {"start": "2025-12-31", "end": "2025-01-01"})
    assert page.status_code == 200 and "已互换" in page.content.decode()


@pytest.mark.django_db
def test_staff_without_the_report_permission_are_refused(client, users):
    c = login(client, users["staff"])
    for name in ("assets:ledger", "assets:ledger_cards", "assets:ledger_movements", "assets:ledger_year_report"):
        assert c.get(reverse(name)).status_code == 403, name
    assert c.get("/api/assets/ledger/summary/").status_code == 403


@pytest.mark.django_db
def test_year_report_workbook_has_opening_changes_and_closing(mini_city, users):
    a = card(mini_city.edu, "7200.00", booked=D(2024, 3, 10))
    card(mini_city.edu, "3000.00", booked=D(2025, 5, 10))
    ledger.dispose(ledger.lock_assets([a.pk])[a.pk], on=D(2025, 9, 1), method="scrap")
    wb = year_report_workbook(user=users["center"], year=2025)
    assert wb.sheetnames == ["资产情况表", "增减变动表", "分单位汇总表"]
    ws = wb["资产情况表"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    total = rows["合计"]
    # 年初 1 / 7200, 增加 1 / 3000, 减少 1 / 7200, 年末 1 / 3000
    assert total[2:4] == (1, Decimal("7200.00")) and total[6:8] == (1, Decimal("3000.00"))
    assert total[8:10] == (1, Decimal("7200.00")) and total[10:12] == (1, Decimal("3000.00"))
    assert total[4] == Decimal("1000.00")  # 年初累计折旧: Mar–Dec 2024
    assert total[14] == Decimal("333.36")  # 年末累计折旧: May–Dec 2025 × 41.67
    assert "信息化设备" in rows
    kinds = [r for r in wb["增减变动表"].iter_rows(min_row=5, values_only=True)]
    assert ("本年减少", "处置减少", 1, Decimal("7200.00"), Decimal("7200.00"), Decimal("0.00")) in [k[:6] for k in kinds]
    # a unit's officer gets only their own unit
    other = year_report_workbook(user=users["health"], year=2025)
    assert {r[1]: r for r in other["资产情况表"].iter_rows(min_row=5, values_only=True) if r[1]}["合计"][10] == 0


@pytest.mark.django_db
def test_year_report_download(client, mini_city, users):
    card(mini_city.edu)
    response = login(client, users["edu"]).get(reverse("assets:ledger_year_report"), {"year": "2025", "download": "1"})
    assert response.status_code == 200
    assert "2025" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "示范市教育局" in str(wb["资产情况表"]["A2"].value)


@pytest.mark.django_db
def test_depreciation_pages_start_a_run_and_show_it(client, mini_city, users):
    card(mini_city.edu, booked=D(2024, 12, 5))
    c = login(client, users["center"])
    assert c.get(reverse("assets:depreciationrun_list")).status_code == 200
    assert c.get(reverse("assets:depreciationrun_create")).status_code == 200
    response = c.post(reverse("assets:depreciationrun_create"), {"month": "2024-12"})
    assert response.status_code == 302
    run = DepreciationRun.objects.get(month=D(2024, 12, 1))
    assert run.total_amount == Decimal("100.00")
    again = c.post(reverse("assets:depreciationrun_create"), {"month": "2024-12"})
    assert again.status_code == 200 and "不能重复计提" in again.content.decode()
    detail = c.get(run.get_absolute_url()).content.decode()
    assert "示范市教育局" in detail and "100.00" in detail
    unit = login(client, users["edu"])
    assert unit.get(reverse("assets:depreciationrun_create")).status_code == 403
    assert unit.post(reverse("assets:depreciationrun_create"), {"month": "2025-01"}).status_code == 403
    assert unit.get(run.get_absolute_url()).status_code == 404  # a city-wide run: center only


@pytest.mark.django_db
def test_api_summary_movements_and_runs(client, mini_city, users):
    card(mini_city.edu, "7200.00")
    card(mini_city.health, "5000.00")
    c = login(client, users["edu"])
    body = c.get("/api/assets/ledger/summary/", {"as_of": "2024-12-31"}).json()
    total = body["rows"][-1]
    assert total["level"] == 0 and float(total["figures"]["value"]) == 7200 and float(total["figures"]["net"]) == 6200
    assert c.get("/api/assets/ledger/summary/", {"as_of": "bad"}).json()["fields"]["as_of"]
    assert c.get("/api/assets/ledger/summary/", {"unit": mini_city.health.pk}).status_code == 400
    moves = c.get("/api/assets/ledger/movements/", {"start": "2024-01-01", "end": "2024-12-31"}).json()
    assert float(moves["increase_total"]["value"]) == 7200
    leader = login(client, users["leader"])
    by_unit = leader.get("/api/assets/ledger/summary/", {"as_of": "2024-12-31", "by": "unit"}).json()
    assert float(by_unit["rows"][-1]["figures"]["value"]) == 12200 and len(by_unit["rows"]) == 3
    from qinjian.assets.services.depreciation import depreciation_run

    run = depreciation_run(month=D(2024, 12, 1), actor=users["center"])
    runs = login(client, users["center"]).get("/api/assets/depreciation-runs/").json()
    assert float(runs["results"][0]["total_amount"]) == 1694.5  # Mar–Dec 2024 made up in the first run
    detail = client.get(f"/api/assets/depreciation-runs/{run.pk}/").json()
    assert {ln["unit_name"] for ln in detail["lines"]} == {"示范市教育局", "示范市卫生健康委员会"}

"""盘点 services: scope snapshot, scans (codes, label URLs, legacy codes), idempotency, close, resolutions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.standards.models import AssetClass
from qinjian.testing.factories import AssetFactory, make_user

from ..choices import (
    AssetStatus,
    CampaignStatus,
    DiscrepancyKind,
    EventKind,
    MovementKind,
    Resolution,
    StocktakeResult,
)
from ..models import Asset, AssetEvent, AssetMovement, AssetOperationLine, StocktakeItem, StocktakeScan
from ..services.stocktake import (
    campaign_close,
    campaign_create,
    campaign_start,
    campaign_update,
    item_resolve,
    parse_code,
    progress_by_unit,
    progress_totals,
    resolutions_for,
    stocktake_scan,
    stocktake_scan_batch,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def world(mini_city: Any) -> Any:
    class W:
        pass

    w = W()
    w.city = mini_city
    w.organizer = make_user("center_asset", mini_city.center)
    w.edu_officer = make_user("unit_asset_officer", mini_city.edu, scope="unit_tree")
    w.counter = make_user("staff", mini_city.edu)
    w.edu_cards = [AssetFactory(unit=mini_city.edu, location="教育局办公楼301室") for _ in range(3)]
    w.edu_cards.append(AssetFactory(unit=mini_city.edu, location="教育局仓库", status="idle"))
    w.school_card = AssetFactory(unit=mini_city.edu_school, location="一中实验楼")
    w.health_card = AssetFactory(unit=mini_city.health, location="卫健委201室")
    w.disposed = AssetFactory(unit=mini_city.edu, status="disposed", location="教育局办公楼")
    w.legacy = AssetFactory(unit=mini_city.edu, legacy_code="JY-OLD-0042", location="教育局办公楼302室")
    return w


def _campaign(w: Any, **kwargs: Any) -> Any:
    data = {"actor": w.edu_officer, "unit": w.city.edu, "name": "2026年度资产清查盘点", "units": [w.city.edu],
            "planned_start": TODAY, "planned_end": TODAY + datetime.timedelta(days=10), "counters": [w.counter]}
    data.update(kwargs)
    return campaign_create(**data)


def _started(w: Any, **kwargs: Any) -> Any:
    campaign = _campaign(w, **kwargs)
    return campaign_start(campaign=campaign, actor=w.edu_officer)


def _journal(unit: Any) -> dict[str, Any]:
    return AssetMovement.objects.filter(unit=unit).aggregate(q=Sum("quantity"), v=Sum("value"))


def test_create_validates_scope_and_dates(world):
    with pytest.raises(ValidationFailed) as exc:
        _campaign(world, units=[world.city.health], planned_end=TODAY - datetime.timedelta(days=1),
                  class_prefixes="A02,坏代码")
    assert set(exc.value.fields) >= {"units", "planned_end", "class_prefixes"}
    # a unit officer cannot organize for a unit outside their reach
    with pytest.raises(ValidationFailed) as exc:
        _campaign(world, unit=world.city.health, units=[world.city.health])
    assert "unit" in exc.value.fields
    campaign = _campaign(world, units=[world.city.edu, world.city.edu_school], class_prefixes="a0201, A0201")
    assert campaign.number.startswith("PD-") and campaign.status == CampaignStatus.DRAFT
    assert campaign.class_prefixes == "A0201"


def test_start_snapshots_cards_in_scope_only(world):
    campaign = _started(world, units=[world.city.edu, world.city.edu_school])
    items = StocktakeItem.objects.filter(campaign=campaign)
    ids = set(items.values_list("asset_id", flat=True))
    assert ids == {a.pk for a in [*world.edu_cards, world.school_card, world.legacy]}
    assert campaign.item_count == 6 and campaign.status == CampaignStatus.ACTIVE
    idle = items.get(asset=world.edu_cards[3])
    assert idle.expected_location == "教育局仓库" and idle.expected_status == AssetStatus.IDLE
    assert all(i.result == StocktakeResult.PENDING for i in items)
    # the bulk insert is change-logged
    assert ObjectChange.objects.filter(content_type__model="stocktakeitem", action="create").count() == 6
    with pytest.raises(Conflict):
        campaign_start(campaign=campaign, actor=world.edu_officer)


def test_start_with_location_and_class_prefixes(world):
    campaign = _started(world, location_prefix="教育局办公楼", class_prefixes="A0201")
    assert campaign.item_count == 4  # three in 301, the legacy card in 302; not the warehouse
    empty = _campaign(world, class_prefixes="B01")
    with pytest.raises(ValidationFailed, match="没有在账资产"):
        campaign_start(campaign=empty, actor=world.edu_officer)
    empty.refresh_from_db()
    assert empty.status == CampaignStatus.DRAFT and not empty.items.exists()


def test_update_while_active_keeps_the_scope(world):
    campaign = _started(world)
    campaign = campaign_update(campaign=campaign, actor=world.edu_officer, name="改名", units=[world.city.edu_school],
                               planned_start=TODAY, planned_end=TODAY, location_prefix="x", counters=[])
    assert campaign.name == "改名" and list(campaign.units.all()) == [world.city.edu]
    assert campaign.location_prefix == "" and not campaign.counters.exists()


def test_scan_by_code_url_and_legacy_code(world):
    campaign = _started(world)
    a, b, c = world.edu_cards[:3]
    r1 = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-00000001", code=a.code)
    assert r1.outcome == StocktakeScan.Outcome.ACCEPTED and r1.item.result == StocktakeResult.FOUND
    assert r1.item.found_location == "教育局办公楼301室" and r1.item.discrepancy == ""
    # a label's QR payload: the resolver URL on any host, or the card page's URL
    r2 = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-00000002",
                        code=f"https://old-host.example/attachments/q/assets.asset/{b.pk}/")
    assert r2.item.asset_id == b.pk and r2.outcome == "accepted"
    assert parse_code(f"/attachments/q/assets.asset/{c.pk}/") == ("asset_pk", c.pk)
    r3 = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-00000003", code="JY-OLD-0042",
                        location="教育局办公楼305室", status="idle")
    assert r3.item.asset_id == world.legacy.pk
    assert r3.item.discrepancy == DiscrepancyKind.LOCATION_STATUS
    # lower-case typing of a code still finds the card
    r4 = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-00000004", code=c.code.lower(),
                        location="教育局办公楼301室", status="in_use")
    assert r4.item.asset_id == c.pk and r4.item.discrepancy == ""
    # an event on the card records the count
    assert AssetEvent.objects.filter(asset=a, kind=EventKind.STOCKTAKE).count() == 1
    # a foreign URL is refused, recorded
    r5 = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-00000005", code="https://evil.example/x")
    assert r5.outcome == "rejected" and "不是本平台的资产标签" in r5.message
    assert progress_totals(campaign)["found"] == 4


def test_scan_of_another_units_label_is_refused(world):
    campaign = _started(world)
    result = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-foreign-1",
                            code=world.health_card.code)
    assert result.outcome == StocktakeScan.Outcome.REJECTED
    assert "示范市卫生健康委员会" in result.message and "不在本次盘点单位范围内" in result.message
    assert StocktakeScan.objects.get(client_id="cid-foreign-1").outcome == "rejected"
    assert not StocktakeItem.objects.filter(campaign=campaign, asset=world.health_card).exists()
    disposed = stocktake_scan(campaign=campaign, user=world.counter, client_id="cid-foreign-2",
                              code=world.disposed.code)
    assert disposed.outcome == "rejected" and "已处置" in disposed.message
    narrow = _started(world, location_prefix="教育局办公楼")
    out = stocktake_scan(campaign=narrow, user=world.counter, client_id="cid-foreign-3", code=world.edu_cards[3].code)
    assert out.outcome == "rejected" and "存放地点或资产分类" in out.message


def test_scan_sent_twice_counts_once(world):
    campaign = _started(world)
    card = world.edu_cards[0]
    first = stocktake_scan(campaign=campaign, user=world.counter, client_id="same-client-id", code=card.code,
                           location="教育局办公楼308室")
    again = stocktake_scan(campaign=campaign, user=world.counter, client_id="same-client-id", code=card.code,
                           location="别处")
    assert again.resent and again.scan.pk == first.scan.pk and again.message == first.message
    item = StocktakeItem.objects.get(campaign=campaign, asset=card)
    assert item.scan_count == 1 and item.found_location == "教育局办公楼308室"
    assert StocktakeScan.objects.filter(campaign=campaign).count() == 1
    # another counter scanning the same card: updated, not counted twice
    other = make_user("unit_asset_officer", world.city.edu)
    second = stocktake_scan(campaign=campaign, user=other, client_id="another-client", code=card.code,
                            location="教育局办公楼301室")
    assert second.outcome == "accepted" and "不重复计数" in second.message
    item.refresh_from_db()
    assert item.scan_count == 2 and item.found_location == "教育局办公楼301室" and item.discrepancy == ""
    assert progress_totals(campaign)["found"] == 1
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.STOCKTAKE).count() == 1


def test_unknown_code_is_surplus_with_name(world):
    campaign = _started(world)
    nameless = stocktake_scan(campaign=campaign, user=world.counter, client_id="surplus-0001", code="NO-SUCH-1")
    assert nameless.outcome == "rejected" and "请填写资产名称" in nameless.message
    found = stocktake_scan(campaign=campaign, user=world.counter, client_id="surplus-0002", code="NO-SUCH-1",
                           name="打印机（无标签）", location="教育局办公楼310室")
    assert found.outcome == "accepted" and found.item.result == StocktakeResult.SURPLUS
    assert found.item.discrepancy == DiscrepancyKind.SURPLUS and found.item.unit == world.city.edu
    again = stocktake_scan(campaign=campaign, user=world.counter, client_id="surplus-0003", code="NO-SUCH-1")
    assert again.item.pk == found.item.pk and "不重复计数" in again.message
    assert StocktakeItem.objects.filter(campaign=campaign, result="surplus").count() == 1
    assert progress_totals(campaign)["surplus"] == 1


def test_scan_input_errors_and_campaign_state(world):
    campaign = _campaign(world)
    with pytest.raises(Conflict, match="尚未开始"):
        stocktake_scan(campaign=campaign, user=world.counter, client_id="state-00001", code="X")
    campaign_start(campaign=campaign, actor=world.edu_officer)
    with pytest.raises(ValidationFailed) as exc:
        stocktake_scan(campaign=campaign, user=world.counter, client_id="x", code=" ", status="broken")
    assert set(exc.value.fields) == {"client_id", "code", "status"}
    campaign_close(campaign=campaign, actor=world.edu_officer)
    with pytest.raises(Conflict, match="已结束"):
        stocktake_scan(campaign=campaign, user=world.counter, client_id="state-00002", code=world.edu_cards[0].code)
    assert not StocktakeScan.objects.filter(campaign=campaign).exists()


def test_offline_batch_is_idempotent_and_keeps_going(world):
    campaign = _started(world)
    batch = [
        {"client_id": "batch-000001", "code": world.edu_cards[0].code, "scanned_at": "2026-01-05T09:30:00+08:00"},
        {"client_id": "batch-000002", "code": world.edu_cards[1].code, "status": "idle"},
        {"client_id": "batch-000003", "code": world.health_card.code},
        {"client_id": "bad", "code": world.edu_cards[2].code},
        {"client_id": "batch-000005", "code": world.edu_cards[2].code, "scanned_at": "昨天下午"},
        {"client_id": "batch-000006", "code": ["x"], "extra": 1},
    ]
    answer = stocktake_scan_batch(campaign=campaign, user=world.counter, scans=batch)
    assert [a["outcome"] for a in answer] == ["accepted", "accepted", "rejected", "error", "error", "error"]
    assert answer[1]["item"]["discrepancy"] == DiscrepancyKind.STATUS
    assert "scanned_at" in answer[4]["fields"] and {"code", "extra"} <= set(answer[5]["fields"])
    first = StocktakeScan.objects.get(client_id="batch-000001")
    assert first.scanned_at.year == 2026 and first.scanned_at.month == 1
    resend = stocktake_scan_batch(campaign=campaign, user=world.counter, scans=batch)
    assert [a["resent"] for a in resend[:3]] == [True, True, True]
    assert StocktakeScan.objects.filter(campaign=campaign).count() == 3
    assert progress_totals(campaign)["found"] == 2
    with pytest.raises(ValidationFailed):
        stocktake_scan_batch(campaign=campaign, user=world.counter, scans=[{}] * 501)


def test_close_turns_pending_into_shortage_and_progress(world):
    campaign = _started(world, units=[world.city.edu, world.city.edu_school])
    stocktake_scan(campaign=campaign, user=world.counter, client_id="close-00001", code=world.edu_cards[0].code)
    campaign = campaign_close(campaign=campaign, actor=world.edu_officer)
    assert campaign.status == CampaignStatus.CLOSED and campaign.closed_at is not None
    items = StocktakeItem.objects.filter(campaign=campaign)
    assert items.filter(result=StocktakeResult.MISSING, discrepancy=DiscrepancyKind.SHORTAGE).count() == 5
    assert items.filter(result=StocktakeResult.FOUND).count() == 1
    rows = {r["unit"].pk: r for r in progress_by_unit(campaign)}
    assert rows[world.city.edu.pk]["expected"] == 5 and rows[world.city.edu.pk]["found"] == 1
    assert rows[world.city.edu_school.pk]["missing"] == 1
    with pytest.raises(Conflict):
        campaign_close(campaign=campaign, actor=world.edu_officer)


def _closed_with_discrepancies(w: Any) -> Any:
    campaign = _started(w)
    cards = w.edu_cards
    stocktake_scan(campaign=campaign, user=w.counter, client_id="res-000001", code=cards[0].code,
                   location="教育局档案室", status="idle")
    stocktake_scan(campaign=campaign, user=w.counter, client_id="res-000002", code="SURPLUS-9", name="会议桌",
                   location="教育局会议室")
    return campaign_close(campaign=campaign, actor=w.edu_officer)


def test_shortage_write_off_goes_through_the_ledger(world):
    campaign = _closed_with_discrepancies(world)
    item = StocktakeItem.objects.get(campaign=campaign, asset=world.edu_cards[1])
    assert [k for k, _ in resolutions_for(item)] == ["write_off", "to_dispose", "investigate", "no_action"]
    before = _journal(world.city.edu)
    with pytest.raises(ValidationFailed):
        item_resolve(item=item, actor=world.edu_officer, action="write_off")  # a note is required
    item = item_resolve(item=item, actor=world.edu_officer, action="write_off", note="经查已丢失，报损")
    assert item.resolution == Resolution.ADJUSTED and item.resolved_by == world.edu_officer
    card = Asset.objects.get(pk=world.edu_cards[1].pk)
    assert card.status == AssetStatus.DISPOSED and card.disposal_method == "loss"
    after = _journal(world.city.edu)
    assert after["q"] == before["q"] - 1 and after["v"] == before["v"] - Decimal("5600.00")
    assert AssetMovement.objects.filter(asset=card, kind=MovementKind.SHORTAGE).count() == 1
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.DISPOSED, message__contains="盘亏核销").exists()
    with pytest.raises(Conflict, match="已处理"):
        item_resolve(item=item, actor=world.edu_officer, action="write_off", note="再来")


def test_shortage_to_dispose_investigate_and_no_action(world):
    campaign = _closed_with_discrepancies(world)
    before = _journal(world.city.edu)
    item = StocktakeItem.objects.get(campaign=campaign, asset=world.edu_cards[2])
    item = item_resolve(item=item, actor=world.edu_officer, action="investigate", note="请办公室核查")
    assert item.resolution == Resolution.INVESTIGATING
    assert [k for k, _ in resolutions_for(item)] == ["write_off", "to_dispose", "no_action"]
    item = item_resolve(item=item, actor=world.edu_officer, action="to_dispose")
    assert item.resolution == Resolution.TO_DISPOSE
    card = Asset.objects.get(pk=world.edu_cards[2].pk)
    events = AssetEvent.objects.filter(asset=card)
    assert events.filter(kind=EventKind.STOCKTAKE, message__contains="调查中").exists()
    # a draft 处置（报损）单 for the card: the books move only when it is approved
    line = AssetOperationLine.objects.select_related("operation").get(asset=card)
    assert line.operation.kind == "disposal" and line.operation.status == "draft"
    assert line.operation.disposal_method == "loss" and line.operation.number in item.resolution_note
    assert card.status == AssetStatus.IN_USE
    assert _journal(world.city.edu) == before
    other = StocktakeItem.objects.get(campaign=campaign, asset=world.legacy)
    other = item_resolve(item=other, actor=world.edu_officer, action="no_action", note="已在档案室找到")
    assert other.resolution == Resolution.NO_ACTION
    assert AssetEvent.objects.filter(asset=world.legacy, message__contains="核实无误").exists()
    assert _journal(world.city.edu) == before


def test_location_and_status_adjust_the_card(world):
    campaign = _closed_with_discrepancies(world)
    before = _journal(world.city.edu)
    item = StocktakeItem.objects.get(campaign=campaign, asset=world.edu_cards[0])
    assert item.discrepancy == DiscrepancyKind.LOCATION_STATUS
    item = item_resolve(item=item, actor=world.edu_officer, action="adjust")
    card = Asset.objects.get(pk=world.edu_cards[0].pk)
    assert card.location == "教育局档案室" and card.status == AssetStatus.IDLE and card.status_since == TODAY
    assert item.resolution == Resolution.ADJUSTED
    adjusted = AssetEvent.objects.filter(asset=card, kind=EventKind.STOCKTAKE_ADJUSTED)
    assert adjusted.filter(status_after=AssetStatus.IDLE).exists()
    assert adjusted.filter(message__contains="存放地点由").exists()
    assert _journal(world.city.edu) == before  # location and status do not move the books


def test_surplus_is_booked_as_a_new_card(world):
    campaign = _closed_with_discrepancies(world)
    item = StocktakeItem.objects.get(campaign=campaign, asset__isnull=True)
    before = _journal(world.city.edu)
    with pytest.raises(ValidationFailed) as exc:
        item_resolve(item=item, actor=world.edu_officer, action="book")
    assert {"asset_class", "original_value"} <= set(exc.value.fields)
    klass = AssetClass.objects.get(code="A02010105")
    item = item_resolve(item=item, actor=world.edu_officer, action="book", asset_class=klass,
                        original_value="1200.50", note="经核实为2019年采购未入账")
    card = item.asset
    assert card is not None and card.name == "会议桌" and card.unit == world.city.edu
    assert card.status == AssetStatus.IN_USE and card.booked_on == TODAY and card.location == "教育局会议室"
    assert item.resolution == Resolution.BOOKED
    movement = AssetMovement.objects.get(asset=card)
    assert movement.kind == MovementKind.SURPLUS and movement.value == Decimal("1200.50")
    after = _journal(world.city.edu)
    assert after["q"] == before["q"] + 1 and after["v"] == before["v"] + Decimal("1200.50")
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.BOOKED).exists()
    totals = progress_totals(campaign)  # the booked find is still a 盘盈, not one more card to count
    assert totals["expected"] == campaign.item_count and totals["surplus"] == 1


def test_shortage_cannot_be_resolved_before_close(world):
    campaign = _started(world)
    stocktake_scan(campaign=campaign, user=world.counter, client_id="early-00001", code=world.edu_cards[0].code,
                   location="别处")
    item = StocktakeItem.objects.get(campaign=campaign, asset=world.edu_cards[0])
    item = item_resolve(item=item, actor=world.edu_officer, action="adjust")  # a wrong location may be fixed now
    assert Asset.objects.get(pk=world.edu_cards[0].pk).location == "别处"
    pending = StocktakeItem.objects.get(campaign=campaign, asset=world.edu_cards[1])
    with pytest.raises(Conflict, match="没有差异"):
        item_resolve(item=pending, actor=world.edu_officer, action="write_off", note="x")

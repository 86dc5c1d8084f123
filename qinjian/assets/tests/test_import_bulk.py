"""bulk_book_new: many new cards booked at once, with the semantics of ledger.book."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from django.utils import timezone

from qinjian.assets.choices import AssetStatus, DepreciationMethod, EventKind, MovementKind
from qinjian.assets.depreciation import policy_for
from qinjian.assets.models import Asset, AssetEvent, AssetMovement
from qinjian.assets.services.bulk import bulk_book_new
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.standards.models import AssetClass
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db

DESKTOP = "A02010105"


def card(unit, **kw) -> Asset:
    values = {"name": "台式计算机", "asset_class": AssetClass.objects.get(code=DESKTOP), "unit": unit,
              "original_value": Decimal("5000.00"), "value_fiscal": Decimal("5000.00"),
              "value_nonfiscal": Decimal("0.00"), "acquired_on": datetime.date(2023, 5, 1)}
    values.update(kw)
    return Asset(**values)


def test_books_cards_events_and_journal_like_book(mini_city):
    user = make_user("center_asset", mini_city.center)
    on = datetime.date(2024, 6, 15)
    cards = [card(mini_city.edu, name=f"台式计算机{i}") for i in range(5)]
    cards.append(card(mini_city.health, name="打印机", original_value=Decimal("1200.50"),
                      value_fiscal=Decimal("1000.00"), value_nonfiscal=Decimal("200.50"), quantity=2,
                      status=AssetStatus.IDLE))
    result = bulk_book_new(cards, actor=user, on=on)

    assert len(result) == 6 and all(c.pk for c in result)
    saved = list(Asset.objects.filter(pk__in=[c.pk for c in result]).order_by("pk"))
    assert len({a.code for a in saved}) == 6
    assert all(a.code.startswith(f"ZC-{timezone.localdate().year}-") for a in saved)
    method, months = policy_for(DESKTOP, on)
    for asset in saved:
        assert asset.class_code == DESKTOP
        assert asset.booked_on == on and asset.status_since == on
        assert asset.depreciation_method == method and asset.useful_life_months == months
        assert asset.depreciation_start == datetime.date(2024, 6, 1)
        assert asset.created_by_id == user.pk
    assert saved[-1].status == AssetStatus.IDLE and saved[0].status == AssetStatus.IN_USE

    events = AssetEvent.objects.filter(asset__in=saved)
    assert events.count() == 6
    assert set(events.values_list("kind", flat=True)) == {EventKind.BOOKED}
    assert set(events.values_list("actor_id", flat=True)) == {user.pk}
    moves = AssetMovement.objects.filter(asset__in=saved)
    assert moves.count() == 6 and set(moves.values_list("kind", flat=True)) == {MovementKind.BOOK}
    assert all(m.event_id is not None for m in moves)
    totals = moves.aggregate(q=Sum("quantity"), v=Sum("value"), f=Sum("value_fiscal"), n=Sum("value_nonfiscal"))
    assert totals == {"q": 7, "v": Decimal("26200.50"), "f": Decimal("26000.00"), "n": Decimal("200.50")}
    health = moves.get(unit=mini_city.health)
    assert (health.quantity, health.value_nonfiscal) == (2, Decimal("200.50"))

    ct = ContentType.objects.get_for_model(Asset)
    logged = ObjectChange.objects.filter(content_type=ct, action=ObjectChange.Action.CREATE,
                                         object_id__in=[str(a.pk) for a in saved])
    assert logged.count() == 6
    assert ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(AssetEvent),
                                       object_id__in=[str(e.pk) for e in events]).count() == 6


def test_per_card_booking_date_imported_kind_and_opening_depreciation(mini_city):
    user = make_user("center_asset", mini_city.center)
    a = card(mini_city.edu, code="ZC-OLD-1", booked_on=datetime.date(2019, 5, 20), acquired_on=datetime.date(2019, 5, 1),
             opening_depreciation=Decimal("3000.00"))
    b = card(mini_city.edu, booked_on=None)
    bulk_book_new([a, b], actor=user, message="从旧台账导入", event_kind=EventKind.IMPORTED)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.code == "ZC-OLD-1" and a.booked_on == datetime.date(2019, 5, 20)
    assert a.accumulated_depreciation == Decimal("3000.00") == a.opening_depreciation
    # the depreciation table begins in 2017: an old booking still gets a depreciation policy
    assert a.depreciation_method == DepreciationMethod.STRAIGHT_LINE and a.useful_life_months
    assert b.booked_on == timezone.localdate()
    event = a.events.get()
    assert event.kind == EventKind.IMPORTED and event.message == "从旧台账导入"
    assert event.occurred_on == datetime.date(2019, 5, 20)
    assert a.movements.get().occurred_on == datetime.date(2019, 5, 20)


@pytest.mark.parametrize(("kw", "message"), [
    ({"original_value": Decimal("-1"), "value_fiscal": Decimal("-1")}, "负数"),
    ({"value_fiscal": Decimal("100")}, "之和不等于原值"),
    ({"acquired_on": datetime.date(2025, 1, 1), "booked_on": datetime.date(2024, 1, 1)}, "不能早于取得日期"),
    ({"booked_on": datetime.date(2999, 1, 1)}, "不能晚于今天"),
    ({"quantity": 0}, "正整数"),
    ({"opening_depreciation": Decimal("9999")}, "累计折旧"),
])
def test_one_bad_card_refuses_the_whole_set(mini_city, kw, message):
    user = make_user("center_asset", mini_city.center)
    good = card(mini_city.edu, booked_on=datetime.date(2024, 1, 2))
    bad = card(mini_city.edu, **({"booked_on": datetime.date(2024, 1, 2)} | kw))
    before = (Asset.objects.count(), AssetEvent.objects.count(), AssetMovement.objects.count())
    with pytest.raises(ValidationFailed, match=message):
        bulk_book_new([good, bad], actor=user)
    assert (Asset.objects.count(), AssetEvent.objects.count(), AssetMovement.objects.count()) == before


def test_saved_card_and_empty_list(mini_city):
    user = make_user("center_asset", mini_city.center)
    assert bulk_book_new([], actor=user) == []
    first = bulk_book_new([card(mini_city.edu)], actor=user)
    with pytest.raises(ValidationFailed, match="已经保存过"):
        bulk_book_new(first, actor=user)

"""Card pages: render, filters, search, scope (URL, export, labels), forms, actions, constant query counts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.assets.choices import AssetStatus
from qinjian.assets.models import Asset, AssetEvent
from qinjian.org.models import Person
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(mini_city):
    edu_person = Person.objects.filter(unit=mini_city.edu).first()
    return {
        "edu_pc": AssetFactory(unit=mini_city.edu, name="联想台式计算机", custodian=edu_person,
                               department=edu_person.department, location="教育局301室"),
        "edu_desk": AssetFactory(unit=mini_city.edu, name="办公桌", asset_class=_cls("A05010201"),
                                 original_value=Decimal("1200"), value_fiscal=Decimal("0"),
                                 value_nonfiscal=Decimal("1200"), acquired_on=datetime.date(2020, 5, 1),
                                 booked_on=datetime.date(2020, 5, 2), status="idle",
                                 status_since=datetime.date(2024, 1, 1), legacy_code="JYJ-OLD-0042"),
        "school_pc": AssetFactory(unit=mini_city.edu_school, name="学校计算机"),
        "health_pc": AssetFactory(unit=mini_city.health, name="卫健委计算机"),
    }


def _cls(code):
    from qinjian.standards.models import AssetClass

    return AssetClass.objects.get(code=code)


def _rows(response):
    return {row.pk for row in response.context["table"].rows}


@pytest.fixture
def officer(client, mini_city):
    user = make_user("unit_asset_officer", mini_city.edu)
    client.force_login(user)
    return user


@pytest.fixture
def center(client, mini_city):
    user = make_user("center_asset", mini_city.center)
    client.force_login(user)
    return user


def test_pages_render(client, center, cards):
    pc = cards["edu_pc"]
    urls = [
        reverse("assets:asset_list"),
        reverse("assets:asset_list") + "?status=on_books&class_group=A02&sort=-original_value&q=计算机",
        reverse("assets:asset_detail", args=[pc.pk]),
        *(reverse("assets:asset_detail", args=[pc.pk]) + f"?tab={t}" for t in ("events", "asset_operations",
                                                                             "history")),
        reverse("assets:asset_create"),
        reverse("assets:asset_edit", args=[pc.pk]),
        reverse("assets:asset_mark_idle", args=[pc.pk]),
        reverse("assets:asset_mark_in_use", args=[cards["edu_desk"].pk]),
        reverse("org:unit_detail", args=[pc.unit_id]) + "?tab=unit_assets",
        reverse("core:home"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get(reverse("core:home")).content.decode()
    assert "资产概况" in home and "在账资产" in home


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"edu_pc", "edu_desk", "school_pc", "health_pc"}),
    ("unit={edu}", {"edu_pc", "edu_desk"}),
    ("unit={edu}&include_sub=on", {"edu_pc", "edu_desk", "school_pc"}),
    ("class_group=A05", {"edu_desk"}),
    ("class_code=A020101", {"edu_pc", "school_pc", "health_pc"}),
    ("class_code=A05010201", {"edu_desk"}),
    ("class_code=办公桌", {"edu_desk"}),
    ("status=idle", {"edu_desk"}),
    ("status=on_books", {"edu_pc", "edu_desk", "school_pc", "health_pc"}),
    ("value_min=2000", {"edu_pc", "school_pc", "health_pc"}),
    ("value_max=2000", {"edu_desk"}),
    ("acquired_before=2021-01-01", {"edu_desk"}),
    ("acquired_after=2021-01-01", {"edu_pc", "school_pc", "health_pc"}),
    ("funding=nonfiscal", {"edu_desk"}),
    ("funding=fiscal_only", {"edu_pc", "school_pc", "health_pc"}),
    ("location=教育局", {"edu_pc"}),
    ("q=JYJ-OLD-0042", {"edu_desk"}),
    ("q=学校", {"school_pc"}),
    ("q=M430", {"edu_pc", "school_pc", "health_pc", "edu_desk"}),
])
def test_list_filters_and_search(client, center, cards, mini_city, query, expected):
    response = client.get(reverse("assets:asset_list") + "?" + query.format(edu=mini_city.edu.pk))
    assert response.status_code == 200
    assert _rows(response) == {cards[k].pk for k in expected}


def test_search_by_full_code_and_custodian(client, center, cards):
    pc = cards["edu_pc"]
    assert _rows(client.get(reverse("assets:asset_list") + f"?q={pc.code}")) == {pc.pk}
    name = pc.custodian.name
    assert _rows(client.get(reverse("assets:asset_list") + f"?custodian={name}")) == {pc.pk}


def test_bad_filter_matches_nothing(client, center, cards):
    response = client.get(reverse("assets:asset_list") + "?value_min=abc")
    assert response.status_code == 200 and _rows(response) == set()


def test_unit_officer_sees_only_own_unit_by_list_url_and_export(client, officer, cards):
    assert _rows(client.get(reverse("assets:asset_list"))) == {cards["edu_pc"].pk, cards["edu_desk"].pk}
    for other in ("school_pc", "health_pc"):
        pk = cards[other].pk
        for name in ("asset_detail", "asset_edit", "asset_mark_idle"):
            assert client.get(reverse(f"assets:{name}", args=[pk])).status_code == 404
        before = Asset.objects.filter(pk=pk).values().get()
        assert client.post(reverse("assets:asset_mark_idle", args=[pk]), {"on": "2026-01-05"}).status_code == 404
        assert client.post(reverse("assets:asset_edit", args=[pk]), {"name": "x"}).status_code == 404
        assert Asset.objects.filter(pk=pk).values().get() == before
    response = client.get(reverse("assets:asset_list") + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert cards["edu_pc"].code in codes and cards["edu_desk"].code in codes
    assert cards["health_pc"].code not in codes and cards["school_pc"].code not in codes
    # filtering on another unit does not widen the scope
    assert _rows(client.get(reverse("assets:asset_list") + f"?unit={cards['health_pc'].unit_id}")) == set()


def test_staff_sees_only_cards_in_their_own_use(client, mini_city, cards):
    person = cards["edu_pc"].custodian
    user = make_user("staff", mini_city.edu, person=person)
    client.force_login(user)
    assert _rows(client.get(reverse("assets:asset_list"))) == {cards["edu_pc"].pk}
    assert client.get(reverse("assets:asset_detail", args=[cards["edu_pc"].pk])).status_code == 200
    assert client.get(reverse("assets:asset_detail", args=[cards["edu_desk"].pk])).status_code == 404
    assert client.get(reverse("assets:asset_edit", args=[cards["edu_pc"].pk])).status_code == 403
    assert client.get(reverse("assets:asset_list") + "?export=xlsx").status_code == 403
    events = client.get(reverse("assets:asset_detail", args=[cards["edu_pc"].pk]) + "?tab=events")
    assert "验收入账" in events.content.decode()


def test_list_query_count_is_constant_in_rows(client, center, mini_city):
    AssetFactory.create_batch(3, unit=mini_city.edu)
    url = reverse("assets:asset_list") + "?per_page=100"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    people = list(Person.objects.filter(unit=mini_city.health))
    for i in range(30):
        person = people[i % len(people)]
        AssetFactory(unit=mini_city.health if i % 2 else mini_city.edu_school, custodian=person if i % 2 else None,
                     department=person.department if i % 2 else None)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(_rows(response)) == 33
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]


def test_register_through_the_form(client, officer, mini_city):
    person = Person.objects.filter(unit=mini_city.edu).first()
    data = {"unit": mini_city.edu.pk, "name": "华为笔记本电脑", "class_code": "a02010108", "quantity": 1,
            "measure_unit": "台", "value_type": "cost", "original_value": "6999.00", "value_fiscal": "",
            "value_nonfiscal": "", "acquisition_method": "purchase", "acquired_on": "2026-01-10",
            "department": person.department_id, "custodian": person.pk, "location": "局机关305"}
    response = client.post(reverse("assets:asset_create"), data)
    asset = Asset.objects.get(name="华为笔记本电脑")
    assert response.status_code == 302 and response["Location"] == asset.get_absolute_url()
    assert (asset.status, asset.class_code, asset.value_fiscal, asset.custodian) == (
        AssetStatus.DRAFT, "A02010108", Decimal("6999.00"), person)


def test_form_shows_service_errors_and_writes_nothing(client, officer, mini_city):
    data = {"unit": mini_city.edu.pk, "name": "电脑", "class_code": "A99999999", "quantity": 1, "measure_unit": "台",
            "value_type": "cost", "original_value": "100", "value_fiscal": "60", "value_nonfiscal": "60",
            "acquisition_method": "purchase", "acquired_on": "2026-01-10"}
    response = client.post(reverse("assets:asset_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "不在 GB/T 14885-2022 分类中" in page
    assert not Asset.objects.exists()
    data["class_code"] = "A02010105"
    response = client.post(reverse("assets:asset_create"), data)
    assert "之和应等于原值" in response.content.decode() and not Asset.objects.exists()
    # a unit outside the scope is not offered and is refused
    data.update(value_nonfiscal="40", unit=mini_city.health.pk)
    response = client.post(reverse("assets:asset_create"), data)
    assert "不在您的管理范围内" in response.content.decode() and not Asset.objects.exists()


def test_booked_card_form_locks_book_figures(client, officer, cards):
    pc = cards["edu_pc"]
    url = reverse("assets:asset_edit", args=[pc.pk])
    form = client.get(url).context["form"]
    assert all(form.fields[n].disabled for n in ("original_value", "unit", "quantity", "custodian"))
    data = {"unit": pc.unit_id, "name": "联想台式计算机（主机+显示器）", "class_code": pc.class_code,
            "quantity": 9, "measure_unit": "台", "value_type": "cost", "original_value": "1", "value_fiscal": "1",
            "value_nonfiscal": "0", "acquisition_method": "purchase", "acquired_on": "2023-03-15",
            "location": "教育局302室", "department": pc.department_id, "custodian": ""}
    assert client.post(url, data).status_code == 302
    pc.refresh_from_db()
    assert (pc.name, pc.location, pc.original_value, pc.quantity, pc.custodian_id is not None) == (
        "联想台式计算机（主机+显示器）", "教育局302室", Decimal("5600.00"), 1, True)


def test_mark_idle_and_in_use_pages(client, officer, cards):
    pc = cards["edu_pc"]
    response = client.post(reverse("assets:asset_mark_idle", args=[pc.pk]), {"on": "2026-01-05", "reason": "调岗"})
    assert response.status_code == 302
    pc.refresh_from_db()
    assert (pc.status, pc.status_since) == (AssetStatus.IDLE, datetime.date(2026, 1, 5))
    page = client.get(reverse("assets:asset_detail", args=[pc.pk])).content.decode()
    assert "恢复在用" in page and "标记闲置" not in page
    # a wrong date is shown on the page and changes nothing
    response = client.post(reverse("assets:asset_mark_in_use", args=[pc.pk]), {"on": "2025-01-01"})
    assert response.status_code == 200 and "不能早于当前状况的起始日期" in response.content.decode()
    pc.refresh_from_db()
    assert pc.status == AssetStatus.IDLE


def test_delete_draft_only(client, officer, mini_city, cards):
    from qinjian.assets.services.assets import asset_register

    if not officer.has_perm("assets.delete_asset"):  # the role may not delete: refused, nothing changes
        mine = cards["edu_pc"]
        assert client.post(reverse("assets:asset_delete", args=[mine.pk])).status_code == 403
        assert Asset.objects.filter(pk=mine.pk).exists()
        officer = make_user("center_asset", mini_city.center)
        client.force_login(officer)
    draft = asset_register(actor=officer, unit=mini_city.edu, name="误登记", class_code="A02010105",
                           original_value="1", acquired_on=datetime.date(2026, 1, 1))
    page = client.get(reverse("assets:asset_detail", args=[draft.pk])).content.decode()
    assert "删除" in page and "尚未入账" in page
    assert client.post(reverse("assets:asset_delete", args=[draft.pk])).status_code == 302
    assert not Asset.objects.filter(pk=draft.pk).exists()
    booked = cards["edu_pc"]
    response = client.post(reverse("assets:asset_delete", args=[booked.pk]))
    assert response.status_code == 200 and "已入账，不能删除" in response.content.decode()
    assert Asset.objects.filter(pk=booked.pk).exists() and AssetEvent.objects.filter(asset=booked).exists()


def test_detail_operation_links_follow_the_status(client, center, cards):
    from qinjian.core.ui.views import try_reverse

    base = try_reverse("assets:assetoperation_create")
    pc = client.get(reverse("assets:asset_detail", args=[cards["edu_pc"].pk])).content.decode()
    desk = client.get(reverse("assets:asset_detail", args=[cards["edu_desk"].pk])).content.decode()
    if not base:
        assert "办理业务" not in pc
        return
    assert f"kind=transfer&amp;assets={cards['edu_pc'].pk}" in pc
    assert f"kind=return&amp;assets={cards['edu_pc'].pk}" in pc  # it has a custodian
    assert f"kind=loan_return&amp;assets={cards['edu_pc'].pk}" not in pc
    assert f"kind=return&amp;assets={cards['edu_desk'].pk}" not in desk  # idle, nobody holds it
    assert f"kind=disposal&amp;assets={cards['edu_desk'].pk}" in desk


def test_unit_tab_lists_only_that_units_cards(client, officer, mini_city, cards):
    response = client.get(reverse("org:unit_detail", args=[mini_city.edu.pk]) + "?tab=unit_assets")
    assert response.status_code == 200
    page = response.content.decode()
    assert cards["edu_pc"].code in page and cards["school_pc"].code not in page

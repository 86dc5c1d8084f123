"""闲置资产 rule: the period comes from the standards table; sweep opens per card, closes when no longer idle."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from qinjian.alerts.models import Alert
from qinjian.alerts.services import sweep_rule
from qinjian.alerts.signals import reset_pending
from qinjian.assets.rules import IdlePeriod, idle_periods, overdue_q
from qinjian.assets.services.assets import asset_mark_in_use
from qinjian.standards.models import StandardTable, StandardVersion
from qinjian.standards.selectors import reset_local_cache, standard
from qinjian.standards.services.versions import standard_version_create
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db

CODE = "assets.idle_asset"


def _idle(unit, days_ago, **kwargs):
    return AssetFactory(unit=unit, status="idle",
                        status_since=timezone.localdate() - datetime.timedelta(days=days_ago), **kwargs)


def _live():
    return {int(a.object_id): a for a in Alert.objects.filter(rule__code=CODE).live()}


@pytest.fixture(autouse=True)
def _clean(mini_city):
    reset_pending()
    reset_local_cache()


def test_standard_table_is_shipped_as_the_centers_own_rule():
    table = standard("asset_idle_rule")
    assert [(r.key["class_prefix"], r.values["days"]) for r in table.rows] == [("A", 180)]
    assert "本中心" in table.doc_title and "中心自定" in table.doc_title
    assert StandardTable.objects.get(name="asset_idle_rule").category == "资产管理"
    assert [(p.prefix, p.days) for p in idle_periods()] == [("A", 180), ("", 180)]


def test_sweep_opens_one_alert_per_overdue_card_to_its_unit(mini_city):
    old = _idle(mini_city.edu, 200, name="旧投影仪")
    _idle(mini_city.edu, 100)  # idle, but not for long enough
    AssetFactory(unit=mini_city.health, status="in_use", status_since=datetime.date(2020, 1, 1))
    result = sweep_rule(code=CODE)
    assert (result.opened, result.live) == (1, 1)
    alert = _live()[old.pk]
    assert alert.unit_id == mini_city.edu.pk
    assert alert.title == f"资产“{old.code} 旧投影仪”闲置超过 180 天"
    assert "公物仓" in alert.message and "应入尽入" in alert.message
    assert alert.linked_object == old
    # running again changes nothing (the message does not count days)
    again = sweep_rule(code=CODE)
    assert (again.opened, again.updated, again.closed, again.live) == (0, 0, 0, 1)


def test_alert_closes_by_itself_when_the_card_is_in_use_again(mini_city, django_capture_on_commit_callbacks):
    card = _idle(mini_city.edu, 400)
    sweep_rule(code=CODE)
    assert card.pk in _live()
    officer = make_user("unit_asset_officer", mini_city.edu)
    reset_pending()  # the factory's own saves queued a batch that the test transaction never commits
    with django_capture_on_commit_callbacks(execute=True):
        asset_mark_in_use(asset=card, actor=officer)
    assert card.pk not in _live()
    closed = Alert.objects.get(rule__code=CODE, object_id=str(card.pk))
    assert closed.status == "closed"


def test_the_period_follows_a_new_version_and_class_prefixes(mini_city):
    pc = _idle(mini_city.edu, 100)  # A02010105
    desk = _idle(mini_city.edu, 100, asset_class=_cls("A05010201"))
    assert sweep_rule(code=CODE).live == 0
    table = StandardTable.objects.get(name="asset_idle_rule")
    current = StandardVersion.objects.get(table=table, status="active")
    rows = [{"key": {"class_prefix": "A"}, "values": {"class_name": "全部资产", "days": "180"}, "confidence": "R"},
            {"key": {"class_prefix": "A0201"}, "values": {"class_name": "计算机设备", "days": "90"}, "confidence": "R"}]
    standard_version_create(table=table, code="2026-计算机90天", doc_title="本中心资产管理规则（修订）",
                            effective_from=timezone.localdate(), rows=rows, based_on=current, close_previous=True)
    reset_local_cache()
    assert [(p.prefix, p.days) for p in idle_periods()] == [("A0201", 90), ("A", 180), ("", 180)]
    result = sweep_rule(code=CODE)
    assert set(_live()) == {pc.pk} and result.opened == 1
    assert "超过 90 天" in _live()[pc.pk].title
    assert desk.pk not in _live()


def test_overdue_q_gives_longer_prefixes_precedence():
    today = datetime.date(2026, 6, 1)
    periods = [IdlePeriod("A0201", 30, ""), IdlePeriod("", 365, "")]
    q = str(overdue_q(periods, today))
    assert "datetime.date(2026, 5, 2)" in q and "datetime.date(2025, 6, 1)" in q
    assert "(NOT (AND: ('class_code__startswith', 'A0201')))" in q


def test_sweep_is_one_query_whatever_the_number_of_cards(mini_city, django_assert_max_num_queries):
    for i in range(20):
        _idle(mini_city.edu if i % 2 else mini_city.health, 300 + i)
    from qinjian.alerts.services.config import rule_config
    from qinjian.assets.rules import IdleAsset

    config = rule_config(CODE)[1]
    idle_periods()  # the standards table is read once and cached
    with django_assert_max_num_queries(1):
        findings = list(IdleAsset(config).sweep())
    assert len(findings) == 20


def _cls(code):
    from qinjian.standards.models import AssetClass

    return AssetClass.objects.get(code=code)

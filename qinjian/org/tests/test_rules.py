"""单位超编: sweeps, on-change opening and closing, severity from the rule's parameter."""

from __future__ import annotations

import pytest
from django.db import transaction

from qinjian.alerts.choices import AlertStatus, CloseReason, Severity
from qinjian.alerts.models import Alert, AlertRule
from qinjian.alerts.services import rule_update, sweep_rule
from qinjian.alerts.signals import reset_pending
from qinjian.core.models import Notification
from qinjian.org.choices import StaffingType
from qinjian.org.models import Person, Unit
from qinjian.org.services.people import person_create, person_deactivate, person_update
from qinjian.org.services.units import unit_update
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db

CODE = "org.unit_over_quota"


@pytest.fixture
def city(mini_city):
    """Quotas that fit the people (3 行政 each), so nothing is over until a test makes it so."""
    Unit.objects.update(quota_admin=3, quota_institution=0, quota_worker=0)
    for unit in (mini_city.center, mini_city.edu, mini_city.edu_school, mini_city.health):
        unit.refresh_from_db()
    mini_city.district.refresh_from_db()
    reset_pending()  # the fixture's own saves queued a batch that the test transaction never commits
    return mini_city


def _person(unit, code, staffing_type=StaffingType.ADMIN) -> Person:
    return person_create(code=code, name=f"新同志{code}", gender="M", unit=unit, staffing_type=staffing_type,
                         phone="")


def live() -> dict[tuple[int, str], tuple[int, str]]:
    return {(a.unit_id, a.data["staffing_type"]): (a.severity, a.message)
            for a in Alert.objects.filter(rule__code=CODE).live()}


def test_sweep_opens_one_alert_per_unit_and_type(city):
    assert sweep_rule(code=CODE).live == 0
    Unit.objects.filter(pk=city.health.pk).update(quota_admin=2)
    Person.objects.filter(unit=city.edu).update(staffing_type=StaffingType.WORKER)  # 3 工勤, quota 0
    Unit.objects.filter(pk=city.edu.pk).update(quota_worker=2)
    result = sweep_rule(code=CODE)
    assert (result.opened, result.live) == (2, 2)
    assert live() == {
        (city.health.pk, "admin"): (Severity.DANGER, "示范市卫生健康委员会行政编制核定 2 名，在册 3 人，超编 1 人，超出 50.0%。"),
        (city.edu.pk, "worker"): (Severity.DANGER, "示范市教育局工勤编制核定 2 名，在册 3 人，超编 1 人，超出 50.0%。"),
    }
    alert = Alert.objects.get(unit=city.health)
    assert (alert.title, alert.object_repr, alert.linked_object, alert.data) == (
        "示范市卫生健康委员会行政编制超编 1 人", "示范市卫生健康委员会", city.health,
        {"staffing_type": "admin", "quota": 2, "used": 3, "over": 1,
         "figures": [["编制类型", "行政编制"], ["核定编制", "2 名"], ["在册人数", "3 人"], ["超编人数", "1 人"],
                     ["超编比例", "50.0%"]]})
    assert sweep_rule(code=CODE).as_dict() | {"ms": 0} == {"opened": 0, "updated": 0, "closed": 0, "live": 2,
                                                            "ms": 0, "notified": 0}


def test_severity_threshold_is_the_rules_parameter(city):
    Unit.objects.filter(pk=city.health.pk).update(quota_admin=2)  # over by 50%
    rule = AlertRule.objects.get(code=CODE)
    assert rule.parameters == {"severe_percent": 10}
    rule_update(rule=rule, enabled=True, severity=Severity.WARNING, frequency="hourly",
                parameters={"severe_percent": "60"})
    sweep_rule(code=CODE)
    assert live()[(city.health.pk, "admin")][0] == Severity.WARNING
    rule_update(rule=AlertRule.objects.get(code=CODE), enabled=True, severity=Severity.WARNING,
                frequency="hourly", parameters={"severe_percent": "50"})
    result = sweep_rule(code=CODE)
    assert (result.opened, result.updated) == (0, 1)
    assert live()[(city.health.pk, "admin")][0] == Severity.DANGER


def test_on_change_opens_when_a_person_joins_and_closes_when_they_leave(city, django_capture_on_commit_callbacks):
    admin = make_user("unit_admin", city.health, scope="unit_tree", username="health-admin")
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = _person(city.health, "N1")
    assert live() == {(city.health.pk, "admin"): (
        Severity.DANGER, "示范市卫生健康委员会行政编制核定 3 名，在册 4 人，超编 1 人，超出 33.3%。")}
    assert list(Notification.objects.values_list("recipient", flat=True)) == [admin.pk]
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(person=newcomer)
    assert live() == {}
    alert = Alert.objects.get()
    assert (alert.status, alert.close_reason) == (AlertStatus.CLOSED, CloseReason.RESOLVED)
    assert Notification.objects.count() == 1


def test_moving_people_out_closes_and_the_target_unit_opens(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mover = _person(city.health, "N2")
    assert set(live()) == {(city.health.pk, "admin")}
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=mover, unit=city.center, department=None)
    assert set(live()) == {(city.center.pk, "admin")}
    assert Alert.objects.get(unit=city.health).status == AlertStatus.CLOSED


def test_raising_the_quota_closes_and_changing_type_moves_the_alert(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = _person(city.health, "N3")
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=person, staffing_type=StaffingType.INSTITUTION)
    assert live() == {(city.health.pk, "institution"): (
        Severity.DANGER, "示范市卫生健康委员会事业编制核定 0 名，在册 1 人，超编 1 人，该类编制未核定。")}
    health = Unit.objects.get(pk=city.health.pk)
    with django_capture_on_commit_callbacks(execute=True):
        unit_update(unit=health, quota_institution=1)
    assert live() == {}


def test_changes_that_do_not_matter_and_rolled_back_changes_evaluate_nothing(
        city, django_capture_on_commit_callbacks):
    person = Person.objects.filter(unit=city.health).first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person_update(person=person, post="科员")
    assert callbacks == []
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        _person(city.health, "N4")
        raise RuntimeError
    assert callbacks == [] and Alert.objects.count() == 0


def test_many_changes_in_one_transaction_evaluate_once(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(3):
            _person(city.health, f"B{n}")
        _person(city.edu, "B9")
    assert len(callbacks) == 1
    assert set(live()) == {(city.health.pk, "admin"), (city.edu.pk, "admin")}
    assert live()[(city.health.pk, "admin")][1].startswith("示范市卫生健康委员会行政编制核定 3 名，在册 6 人")


def test_the_alert_page_shows_the_figures(city, client):
    Unit.objects.filter(pk=city.health.pk).update(quota_admin=2)
    sweep_rule(code=CODE)
    admin = make_user("unit_admin", city.health, scope="unit_tree", username="health-admin")
    client.force_login(admin, backend="qinjian.accounts.backends.RoleBackend")
    body = client.get(Alert.objects.get().get_absolute_url()).content.decode()
    assert "核定编制" in body and "2 名" in body and "超编比例" in body and "50.0%" in body


def test_a_bulk_people_import_re_evaluates_the_units_it_touched(city, django_capture_on_commit_callbacks):
    from .test_import_support import PERSON_HEADER, person_row, run_import, xlsx

    office = make_user("center_office", city.center)
    rows = [person_row(f"IMP{i}", f"导入人员{i}", city.health.code, staffing="行政编制") for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        run_import(office, "org.person", xlsx([PERSON_HEADER, *rows]))
    assert live() == {(city.health.pk, "admin"): (
        Severity.DANGER, "示范市卫生健康委员会行政编制核定 3 名，在册 5 人，超编 2 人，超出 66.7%。")}

"""Which records carry attachments: business records do; alerts, standards and other system or
configuration records do not (no 附件 tab, no upload); a model's ``attachments_enabled`` decides first."""

from __future__ import annotations

import pytest
from django.test import Client

from qinjian.alerts.models import Alert, AlertRule
from qinjian.attachments.models import Attachment
from qinjian.attachments.registry import is_attachable, model_for_token
from qinjian.attachments.services import attachment_upload
from qinjian.core.errors import ValidationFailed
from qinjian.org.models import Person, StaffingChangeRequest, Unit
from qinjian.standards.models import StandardTable, StandardVersion
from qinjian.testing.factories import make_user

from . import samples

pytestmark = pytest.mark.django_db

TAB_LINK = "?tab=attachments"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_business_records_have_attachments_system_records_do_not():
    for model in (Unit, Person, StaffingChangeRequest):
        assert is_attachable(model), model
    for model in (Alert, AlertRule, StandardTable, StandardVersion):
        assert not is_attachable(model), model
    assert model_for_token("alerts.alert") is None and model_for_token("standards.standardtable") is None
    assert model_for_token("org.unit") is Unit


def test_the_models_own_attribute_wins(monkeypatch):
    monkeypatch.setattr(Unit, "attachments_enabled", False, raising=False)
    monkeypatch.setattr(Alert, "attachments_enabled", True, raising=False)
    assert not is_attachable(Unit) and is_attachable(Alert)


def test_no_attachments_tab_on_alert_and_standards_pages(mini_city):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    office = make_user("center_office", mini_city.center, username="office")
    client = _client(office)
    unit_page = client.get(mini_city.edu.get_absolute_url()).content.decode()
    assert TAB_LINK in unit_page  # a unit page still has the tab
    rule = AlertRule.objects.get(code="org.unit_over_quota")
    alert = Alert.objects.create(rule=rule, key="t:1", unit=mini_city.edu, object_id=str(mini_city.edu.pk),
                                 content_type=ContentType.objects.get_for_model(Unit), object_repr="示范市教育局",
                                 title="测试预警", message="测试", opened_at=timezone.now())
    table = StandardTable.objects.first()
    version = StandardVersion.objects.first()
    assert table is not None and version is not None, "the reference tables are loaded by a migration"
    sysadmin = _client(make_user("sysadmin", mini_city.center, username="sys"))
    for url, who in ((alert.get_absolute_url(), client), (rule.get_absolute_url(), sysadmin),
                     (table.get_absolute_url(), client), (version.get_absolute_url(), client)):
        response = who.get(url)
        assert response.status_code == 200, url
        assert TAB_LINK not in response.content.decode(), url


def test_upload_to_a_system_record_is_refused_and_writes_nothing(mini_city):
    rule = AlertRule.objects.get(code="org.unit_over_quota")
    with pytest.raises(ValidationFailed) as caught:
        attachment_upload(obj=rule, files=[samples.upload("说明.jpg", samples.jpeg())])
    assert caught.value.message == "该对象不支持上传附件。"
    assert Attachment.objects.count() == 0

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from qinjian.alerts.models import Alert

pytestmark = pytest.mark.django_db


def test_sweep_alerts_command(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    out = io.StringIO()
    call_command("sweep_alerts", "test.flag", stdout=out)
    assert "测试标记（test.flag）：新增 1，更新 0，关闭 0，未关闭共 1" in out.getvalue()
    out = io.StringIO()
    call_command("sweep_alerts", stdout=out)
    assert "测试标记（test.flag）：新增 0，更新 0，关闭 0，未关闭共 1" in out.getvalue()
    assert "单位超编（org.unit_over_quota）" in out.getvalue()
    assert Alert.objects.filter(rule__code="test.flag").count() == 1
    with pytest.raises(CommandError, match="没有预警规则：nope"):
        call_command("sweep_alerts", "nope")


def test_scheduled_sweeps_run_enabled_rules_at_their_frequency_and_keep_failures(flag_rule, mini_city,
                                                                                 monkeypatch):
    from qinjian.alerts.jobs import sweep_due
    from qinjian.alerts.models import AlertRule

    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    assert sweep_due("hourly")["test.flag"]["opened"] == 1
    assert "test.flag" not in sweep_due("daily")

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(flag_rule, "sweep", broken)
    assert sweep_due("hourly")["test.flag"] == {"error": "扫描出错，详见系统日志。"}
    assert AlertRule.objects.get(code="test.flag").last_sweep_result == {"error": "扫描出错，详见系统日志。"}
    assert Alert.objects.filter(rule__code="test.flag").live().count() == 1

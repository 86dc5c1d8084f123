"""A throw-away rule over units whose findings the test sets, and the users of two units."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from qinjian.alerts.choices import Severity
from qinjian.alerts.registry import Finding, Parameter, Rule, register_rule, unregister_rule
from qinjian.alerts.services import rule_config
from qinjian.org.models import Unit
from qinjian.testing.factories import make_user


class FlagRule(Rule):
    """Raises an alert for each unit listed in ``flags`` (unit id → (severity or None, message))."""

    code = "test.flag"
    name = "测试标记"
    module = "测试"
    model = Unit
    severity = Severity.WARNING
    parameters = (Parameter("limit", "测试上限", default=5, minimum=0),)
    flags: dict[int, tuple[int | None, str]] = {}

    def sweep(self) -> Iterator[Finding]:
        return self.evaluate_many(list(self.flags))

    def evaluate_many(self, ids: Iterable[Any]) -> Iterator[Finding]:
        names = dict(Unit.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
        for pk in ids:
            if pk in self.flags and pk in names:
                severity, message = self.flags[pk]
                yield Finding(key=f"flag:{pk}", object_id=pk, unit_id=pk, object_repr=names[pk],
                              title=f"{names[pk]}被标记", message=message, severity=severity,
                              data={"limit": self.param("limit")})


@pytest.fixture
def flag_rule(db):
    FlagRule.flags = {}
    register_rule(FlagRule)
    rule_config(FlagRule.code)
    yield FlagRule
    unregister_rule(FlagRule.code)
    FlagRule.flags = {}


@pytest.fixture
def users(mini_city):
    """Unit admins of 市教育局 (tree) and 市卫健委, a center user (all), a staff member and the sysadmin."""
    return {
        "edu": make_user("unit_admin", mini_city.edu, scope="unit_tree", username="edu-admin"),
        "health": make_user("unit_admin", mini_city.health, scope="unit_tree", username="health-admin"),
        "office": make_user("center_office", mini_city.center, username="office"),
        "staff": make_user("staff", mini_city.edu, username="edu-staff"),
        "sysadmin": make_user("sysadmin", mini_city.center, username="sys"),
    }


def login(client: Any, user: Any) -> Any:
    client.force_login(user, backend="qinjian.accounts.backends.RoleBackend")
    return client

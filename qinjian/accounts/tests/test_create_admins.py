from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qinjian.accounts.models import User
from qinjian.core.models import SecurityEvent
from qinjian.org.models import Unit

pytestmark = pytest.mark.django_db


def test_creates_root_unit_and_three_admins_once():
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("create_admins", stdout=out)  # no unit yet and none given
    assert not User.objects.exists()
    call_command("create_admins", "--unit-code", "JGSW", "--unit-name", "某市机关事务服务中心", stdout=out)
    root = Unit.objects.get()
    admins = {u.username: u for u in User.objects.all()}
    assert set(admins) == {"sysadmin", "secadmin", "auditadmin"}
    for user in admins.values():
        assert user.unit == root and user.must_change_password and user.requires_mfa()
        assert len(user.admin_kinds()) == 1
        assert user.password and user.password_changed_at
    text = out.getvalue()
    assert text.count("\t") == 6  # three rows of label, account and password
    assert SecurityEvent.objects.filter(event_type="user_created").count() == 3
    with pytest.raises(CommandError, match="已存在三员账户"):
        call_command("create_admins", stdout=out)
    assert User.objects.count() == 3

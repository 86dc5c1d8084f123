import pytest
from qinjian.accounts.models import Role
from qinjian.org.models import Rank

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dbg(live_server):
    print("ROLES", Role.objects.count(), "RANKS", Rank.objects.count())
    assert Role.objects.count() > 0

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dbg2(live_server):
    print("ROLES", Role.objects.count(), "RANKS", Rank.objects.count())
    assert Role.objects.count() > 0

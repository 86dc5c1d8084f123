import pytest
from qinjian.accounts.models import Role

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_only(live_server):
    print("A ROLES", Role.objects.count())

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_b_browser_live(browser, live_server):
    print("B ROLES", Role.objects.count())

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_c_page(page):
    print("C ROLES", Role.objects.count())

from __future__ import annotations

import pytest

from qinjian.standards.selectors import reset_local_cache
from qinjian.testing.factories import UnitFactory, UserFactory, make_user


@pytest.fixture(autouse=True)
def _fresh_standards_cache():
    # Test transactions roll back without telling the memo; start every test from the database.
    reset_local_cache()
    yield
    reset_local_cache()


@pytest.fixture
def unit(db):
    return UnitFactory(code="T-STD", name="测试单位")


@pytest.fixture
def sysadmin(unit):
    return make_user("sysadmin", unit, username="std-sys")


@pytest.fixture
def staff(unit):
    return make_user("staff", unit, username="std-staff")


@pytest.fixture
def center_asset(unit):
    return make_user("center_asset", unit, username="std-asset")


@pytest.fixture
def nobody(unit):
    """Signed in, no role at all: no permissions."""
    return UserFactory(unit=unit, username="std-nobody")

import threading

import pytest
from django.db import connection, transaction

from qinjian.core.errors import ValidationFailed
from qinjian.core.models import NumberSequence
from qinjian.core.numbering import next_number


@pytest.mark.django_db
def test_numbers_are_sequential_per_prefix_and_year():
    assert next_number("ZC", year=2026) == "ZC-2026-000001"
    assert next_number("ZC", year=2026) == "ZC-2026-000002"
    assert next_number("YC", year=2026) == "YC-2026-000001"
    assert next_number("ZC", year=2027, width=4) == "ZC-2027-0001"
    with pytest.raises(ValidationFailed):
        next_number("zc-1")


@pytest.mark.django_db
def test_a_rolled_back_transaction_does_not_burn_or_duplicate():
    next_number("ZC", year=2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("ZC", year=2026) == "ZC-2026-000002"
        raise RuntimeError
    assert next_number("ZC", year=2026) == "ZC-2026-000002"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are meaningful on PostgreSQL")
def test_concurrent_callers_never_get_the_same_number():
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                results.append(next_number("BF", year=2026))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 80 and len(set(results)) == 80
    assert NumberSequence.objects.get(prefix="BF").last_value == 80

import pytest
from django.db import connection

from qinjian.core import crypto
from qinjian.testing.factories import PersonFactory


def test_sm3_and_sm4_are_used():
    assert crypto.SM_AVAILABLE, "OpenSSL without SM3/SM4: field encryption would fall back to AES"
    token = crypto.encrypt("13912345678")
    assert token.startswith("k1:") and "13912345678" not in token
    assert crypto.decrypt(token) == "13912345678"
    assert crypto.encrypt("13912345678") != token  # random nonce


def test_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("secret")
    broken = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(ValueError):
        crypto.decrypt(broken)


def test_blind_index_is_stable_and_keyed():
    assert crypto.blind_index("13912345678") == crypto.blind_index(" 13912345678 ")
    assert crypto.blind_index("13912345678") != crypto.blind_index("13912345679")
    assert crypto.blind_index("") == ""


@pytest.mark.django_db
def test_phone_is_ciphertext_in_the_database(mini_city):
    person = PersonFactory(unit=mini_city.edu, phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM org_person WHERE id = %s", [person.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("k1:") and "13812345678" not in raw
    assert type(person).objects.get(pk=person.pk).phone == "13812345678"
    assert person.phone_masked == "138****5678"

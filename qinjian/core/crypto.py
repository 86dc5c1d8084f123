"""Software crypto provider: SM4-GCM for fields at rest, HMAC-SM3 for blind indexes and hash chains.

GB/T 39786 wants keys inside a certified crypto device in production; this provider is the
development and embedded back end, behind a small interface so an SDF/HSM back end can replace it.
Ciphertexts carry a key version ("k1:") so keys can be rotated.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

KEY_VERSION = "k1"


def _sm_available() -> bool:
    try:
        digest = hashes.Hash(hashes.SM3())
        digest.update(b"abc")
        return digest.finalize().hex().startswith("66c7f0f4")
    except Exception:
        return False


SM_AVAILABLE = _sm_available()
HASH_NAME = "HMAC-SM3" if SM_AVAILABLE else "HMAC-SHA256"


def _hash_algorithm() -> hashes.HashAlgorithm:
    return hashes.SM3() if SM_AVAILABLE else hashes.SHA256()


def digest(data: bytes) -> bytes:
    h = hashes.Hash(_hash_algorithm())
    h.update(data)
    return h.finalize()


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC with the key already set up, copied for every message."""
    return hmac.HMAC(key, _hash_algorithm())


def mac(key: bytes, data: bytes) -> str:
    h = _keyed(key).copy()
    h.update(data)
    return h.finalize().hex()


@lru_cache(maxsize=8)
def _derive(secret: str, purpose: str, length: int) -> bytes:
    return digest(f"{purpose}:{secret}".encode())[:length]


def field_key() -> bytes:
    return _derive(settings.QINJIAN_FIELD_KEY, "field-encryption", 16)


def index_key() -> bytes:
    return _derive(settings.QINJIAN_FIELD_KEY, "blind-index", 32)


def audit_key() -> bytes:
    return _derive(settings.QINJIAN_AUDIT_KEY, "audit-chain", 32)


@lru_cache(maxsize=4)
def _algorithm(key: bytes) -> algorithms.SM4 | algorithms.AES:
    """The block cipher for a key, built (and its key checked) once."""
    return algorithms.SM4(key) if SM_AVAILABLE else algorithms.AES(key)


def encrypt(plaintext: str) -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    encryptor = Cipher(_algorithm(field_key()), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return f"{KEY_VERSION}:" + base64.b64encode(nonce + encryptor.tag + body).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    version, _, payload = token.partition(":")
    if version != KEY_VERSION:
        raise ValueError("unknown key version")
    raw = base64.b64decode(payload)
    nonce, tag, body = raw[:12], raw[12:28], raw[28:]
    decryptor = Cipher(_algorithm(field_key()), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise ValueError("ciphertext was altered") from exc


def blind_index(value: str) -> str:
    """A keyed digest for exact-match lookups on an encrypted field (duplicates, search)."""
    return mac(index_key(), value.strip().encode())[:32] if value else ""


def mask_phone(value: str) -> str:
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)

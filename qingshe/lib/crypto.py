"""Field encryption for personal data (Django-free).

AES-256-GCM for values that must be read back (resident ID numbers) and HMAC-SHA256 as a keyed
hash for exact look-up ("is this ID already registered?") without decrypting every row. Both keys
are derived from one secret with HKDF so that one environment variable configures them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE_BYTES = 12


@lru_cache(maxsize=8)
def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"qingshe-field-v1", info=purpose
    ).derive(secret.encode("utf-8"))


def encrypt(plaintext: str, *, secret: str, context: str) -> bytes:
    """Encrypt; `context` (e.g. "user.id_number") is bound as associated data."""
    key = _derive(secret, b"enc")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return _VERSION + nonce + sealed


def decrypt(token: bytes, *, secret: str, context: str) -> str:
    token = bytes(token)
    if not token or token[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    nonce, sealed = token[1 : 1 + _NONCE_BYTES], token[1 + _NONCE_BYTES :]
    key = _derive(secret, b"enc")
    return AESGCM(key).decrypt(nonce, sealed, context.encode("utf-8")).decode("utf-8")


def keyed_hash(value: str, *, secret: str, context: str) -> str:
    """Deterministic keyed digest for look-up; useless without the key."""
    key = _derive(secret, b"hash")
    return hmac.new(key, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()

"""The platform's Ed25519 keys that sign certificates (志愿服务证明).

`QINGSHE_SIGNING_KEYS` lists keys as `key-id=value` pairs separated by commas. A value is the
base64 of a 32-byte Ed25519 private seed, or `pub:` and the base64 of a 32-byte public key for
a retired key that only verifies. The first private key signs; every listed key verifies, so a
rotation puts the new key first and keeps the old one (as `pub:`) for the certificates it signed.

Without the setting, DEBUG (the demo) and the test settings use one key derived from SECRET_KEY
(deterministic, id `dev-…`); settings.py refuses to start a production configuration without it.
Generate a key with `qingshe check-ledgers --new-signing-key`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DOMAIN = b"qingshe-certificate-v1\n"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None

    @property
    def public_b64(self) -> str:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()


def _b64(value: str, key_id: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"QINGSHE_SIGNING_KEYS: key {key_id!r} is not base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"QINGSHE_SIGNING_KEYS: key {key_id!r} must be 32 bytes")
    return raw


def parse_keys(spec: str) -> list[SigningKey]:
    keys: list[SigningKey] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, value = part.partition("=")
        key_id = key_id.strip()
        if not sep or not key_id or len(key_id) > 40:
            raise ImproperlyConfigured(
                "QINGSHE_SIGNING_KEYS: write key-id=base64, separated by commas"
            )
        if any(k.key_id == key_id for k in keys):
            raise ImproperlyConfigured(f"QINGSHE_SIGNING_KEYS: key id {key_id!r} appears twice")
        if value.startswith("pub:"):
            public = Ed25519PublicKey.from_public_bytes(_b64(value[4:], key_id))
            keys.append(SigningKey(key_id, public, None))
        else:
            private = Ed25519PrivateKey.from_private_bytes(_b64(value, key_id))
            keys.append(SigningKey(key_id, private.public_key(), private))
    return keys


def dev_key() -> SigningKey:
    """The demo's and tests' key: derived from SECRET_KEY, the same on every run."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"qingshe-signing-dev", info=b"ed25519"
    ).derive(settings.SECRET_KEY.encode())
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return SigningKey(
        f"dev-{hashlib.sha256(public_raw).hexdigest()[:8]}", private.public_key(), private
    )


def keys() -> list[SigningKey]:
    spec = getattr(settings, "QINGSHE_SIGNING_KEYS", "") or ""
    found = parse_keys(spec) if spec.strip() else [dev_key()]
    if not any(k.private is not None for k in found):
        raise ImproperlyConfigured("QINGSHE_SIGNING_KEYS: no private key to sign with")
    return found


def current_key() -> SigningKey:
    return next(k for k in keys() if k.private is not None)


def key_by_id(key_id: str) -> SigningKey | None:
    return next((k for k in keys() if k.key_id == key_id), None)


def canonical(statement: dict[str, Any]) -> bytes:
    return (
        DOMAIN
        + json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )


def sign(statement: dict[str, Any]) -> tuple[str, str]:
    """(key id, base64 signature) of `statement` with the current key."""
    key = current_key()
    assert key.private is not None
    return key.key_id, base64.b64encode(key.private.sign(canonical(statement))).decode()


def verify(statement: dict[str, Any], key_id: str, signature: str) -> bool:
    key = key_by_id(key_id)
    if key is None:
        return False
    try:
        key.public.verify(base64.b64decode(signature, validate=True), canonical(statement))
    except (InvalidSignature, ValueError):
        return False
    return True


def new_key_spec(key_id: str) -> str:
    """A fresh `key-id=base64` entry for QINGSHE_SIGNING_KEYS."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return f"{key_id}={base64.b64encode(raw).decode()}"

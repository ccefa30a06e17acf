"""Encryption at rest of the care app's personal data (AES-GCM via qingshe.lib.crypto), and the
masks shown where a reader does not need the clear value."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from qingshe.lib import crypto

BENEFICIARY_CONTEXT = "care.beneficiary"
VISIT_CONTEXT = "care.visit"
CONCERN_CONTEXT = "care.concern"
ID_CONTEXT = "care.id_number"
BENEFICIARY_FIELDS = (
    "name",
    "id_number",
    "phone",
    "address",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "needs",
)
CONTACT_FIELDS = ("phone", "guardian_phone", "address")


def _secret() -> str:
    return settings.QINGSHE_FIELD_KEY


def seal(data: dict[str, Any], *, context: str) -> bytes:
    return crypto.encrypt(json.dumps(data, ensure_ascii=False), secret=_secret(), context=context)


def unseal(token: Any, *, context: str) -> dict[str, Any]:
    if not token:
        return {}
    result: dict[str, Any] = json.loads(
        crypto.decrypt(bytes(token), secret=_secret(), context=context)
    )
    return result


def seal_text(text: str, *, context: str) -> bytes:
    return seal({"text": text}, context=context)


def unseal_text(token: Any, *, context: str) -> str:
    return str(unseal(token, context=context).get("text", ""))


def id_digest(number: str) -> str:
    return crypto.keyed_hash(number, secret=_secret(), context=ID_CONTEXT)


def mask_name(name: str) -> str:
    """张小明 → 张**: the family name and the length, enough to tell rows apart in a list."""
    name = name.strip()
    return (name[:1] + "*" * max(len(name) - 1, 1))[:20] if name else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else ("*" * len(phone))


def mask_address(address: str) -> str:
    return (address[:6] + "…") if len(address) > 6 else address

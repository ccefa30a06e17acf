"""The hash chain of the hours ledger.

Each entry's `hash` is SHA-256 over the previous entry's hash (of the same person; empty for
the first) and a canonical JSON of the entry's content: every field that says what was served,
by whom, for how long, why, and when it was recorded. Changing any of them, deleting or
inserting a row, or reordering rows breaks the chain from that point on, and `verify_chain`
says where. The chain is unkeyed on purpose: anyone holding an export can re-check it, and no
key rotation can make old entries unverifiable (docs/decisions/0009-ledger-chain-and-certificate-signing.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

# The fields the hash covers, in a fixed order (the JSON is also sorted by key).
HASHED_FIELDS = (
    "user_id",
    "seq",
    "kind",
    "hours",
    "attendance_id",
    "correction_id",
    "reverses_id",
    "service_date",
    "starts_at",
    "ends_at",
    "activity_title",
    "duty_mode",
    "place",
    "content",
    "organiser_id",
    "organiser_name",
    "person_in_charge",
    "confirmer_name",
    "recipient",
    "reason",
    "actor_name",
    "recorded_at",
)
HOURS_QUANTUM = Decimal("0.1")


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        return str(value.quantize(HOURS_QUANTUM))
    if isinstance(value, datetime):
        # UTC, microseconds kept: what both databases store and give back.
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def content_of(entry: Any) -> dict[str, Any]:
    return {name: _canonical(getattr(entry, name)) for name in HASHED_FIELDS}


def entry_hash(entry: Any, prev_hash: str) -> str:
    body = json.dumps(content_of(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"qingshe-ledger-v1\n{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    user_id: int
    seq: int | None
    code: str  # "hash_mismatch", "broken_link", "sequence_gap", "balance_mismatch", …
    detail: str

    def __str__(self) -> str:
        where = f"person {self.user_id}" + (f" entry #{self.seq}" if self.seq is not None else "")
        return f"{where}: {self.code}: {self.detail}"


def verify_chain(user_id: int, entries: Iterable[Any]) -> tuple[list[Problem], str, Decimal, int]:
    """Walk one person's entries in `seq` order; return the problems found, the head hash, the
    sum of hours and the number of entries."""
    problems: list[Problem] = []
    prev_hash, total, count, expected_seq = "", Decimal("0"), 0, 1
    for entry in entries:
        count += 1
        total += entry.hours
        if entry.seq != expected_seq:
            problems.append(
                Problem(
                    user_id,
                    entry.seq,
                    "sequence_gap",
                    f"expected entry #{expected_seq}, found #{entry.seq}",
                )
            )
        expected_seq = entry.seq + 1
        if entry.prev_hash != prev_hash:
            problems.append(
                Problem(
                    user_id,
                    entry.seq,
                    "broken_link",
                    "does not follow the previous entry (deleted or inserted row)",
                )
            )
        if entry_hash(entry, entry.prev_hash) != entry.hash:
            problems.append(
                Problem(
                    user_id,
                    entry.seq,
                    "hash_mismatch",
                    "content differs from what was recorded (edited outside the services)",
                )
            )
        prev_hash = entry.hash
    return problems, prev_hash, total, count

"""Test helpers shared by the page tests."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric


def make_id_number(birth: date, seq: str = "123", region: str = "110101") -> str:
    """A valid resident ID number for `birth` (GB 11643 check digit)."""
    body = f"{region}{birth:%Y%m%d}{seq}"
    return body + ric.calc_check_digit(body + "0")


def with_wrong_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def impossible_birth_date_id() -> str:
    body = "11010120230230123"  # 30 February
    return body + ric.calc_check_digit(body + "0")

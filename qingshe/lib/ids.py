"""Validation and masking of personal identifiers (Django-free).

Resident ID numbers (居民身份证号码, GB 11643) are checked with python-stdnum; mobile numbers
follow the mainland pattern ^1[3-9]\\d{9}$ with an optional +86 prefix.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class IdentifierError(ValueError):
    """A malformed identifier; `code` is stable and mapped to a translated message by callers."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalize_phone(raw: str) -> str:
    """Return the 11-digit mobile number or raise IdentifierError('invalid_phone')."""
    value = re.sub(r"[\s-]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not PHONE_RE.match(value):
        raise IdentifierError("invalid_phone")
    return value


def looks_like_phone(raw: str) -> bool:
    try:
        normalize_phone(raw)
    except IdentifierError:
        return False
    return True


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay."""
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # "M" or "F": the 17th digit is odd for men

    @property
    def masked(self) -> str:
        return mask_resident_id(self.number)


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18-digit ID number; raise IdentifierError with a stable code if it is wrong."""
    value = (raw or "").strip().upper().replace(" ", "")
    if _PLAIN_ID_RE.match(value):
        number, birth = value, _check_plain(value)
    else:
        number, birth = _check_with_stdnum(value)
    if birth > (today or date.today()) or birth.year < 1900:
        raise IdentifierError("id_birth_date")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex)


# A number already in its plain form (17 ASCII digits and a digit or X), as nearly every number
# typed or imported is, is checked here in the order and with the outcomes of stdnum's
# ric.validate, without its Unicode clean-up of the same string five times over, and with the
# region looked up once per (region code, birth year): a roster of 100,000 students has a few
# thousand of those. Anything else goes through stdnum as it is. A property test holds both
# paths to the same answers.
_PLAIN_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def _check_plain(number: str) -> date:
    if number[-1] != ric.calc_check_digit(number):
        raise IdentifierError("id_checksum")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdentifierError("id_birth_date") from exc
    if not _region_known(number[:6], birth.year):
        raise IdentifierError("id_region")
    return birth


@functools.lru_cache(maxsize=65_536)
def _region_known(region: str, year: int) -> bool:
    # get_birth_place reads only the region code and the year of the number it is given.
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000X")
    except (InvalidComponent, KeyError):
        # stdnum raises KeyError for a code it knows only as a province or prefecture (111000).
        return False
    return True


def _check_with_stdnum(value: str) -> tuple[str, date]:
    try:
        number = ric.validate(value)
    except InvalidChecksum as exc:
        raise IdentifierError("id_checksum") from exc
    except InvalidComponent as exc:
        # stdnum reports an impossible birth date (19990230) and an unknown region code alike.
        try:
            ric.get_birth_date(value)
        except InvalidComponent:
            raise IdentifierError("id_birth_date") from exc
        raise IdentifierError("id_region") from exc
    except (InvalidLength, InvalidFormat) as exc:
        raise IdentifierError("id_format") from exc
    except KeyError as exc:  # a region code stdnum knows only above county level (111000)
        raise IdentifierError("id_region") from exc
    if len(number) != 18:
        # 15-digit first-generation cards expired in 2013; only 18-digit numbers are accepted.
        raise IdentifierError("id_format")
    return number, ric.get_birth_date(number)


def mask_resident_id(number: str) -> str:
    """First six and last four characters shown: 350402********1234."""
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

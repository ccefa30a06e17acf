"""Dashboard periods: a range of whole local months (the unit of the rollups and of publishing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from qingshe.core.errors import ValidationFailed
from qingshe.core.timeutil import local_date as local_day  # noqa: F401  (re-exported)
from qingshe.core.timeutil import month_bounds

_VALUE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


BLOCK_YEARS = 5


def month_block(month: date) -> tuple[int, int]:
    """(block, bit) of a month: months are grouped in blocks of five years from 2000 (60 bits, in
    a 64-bit integer), so that a period of up to five years mostly lies in one block."""
    offset = (month.year - 2000) * 12 + month.month - 1
    return offset // (BLOCK_YEARS * 12), 1 << (offset % (BLOCK_YEARS * 12))


def month_range(first: date, last: date) -> list[date]:
    months, m = [], month_start(first)
    while m <= last:
        months.append(m)
        m = next_month(m)
    return months


def bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) aware instants of a local month."""
    return month_bounds(month.year, month.month)


@dataclass(frozen=True)
class Period:
    first: date  # first day of the first month
    last: date  # first day of the last month

    @property
    def months(self) -> list[date]:
        return month_range(self.first, self.last)

    @property
    def end_day(self) -> date:
        """The first day after the period."""
        return next_month(self.last)

    @property
    def start(self) -> datetime:
        return bounds(self.first)[0]

    @property
    def end(self) -> datetime:
        return bounds(self.last)[1]

    def block_masks(self) -> dict[int, int]:
        """{block: bitmask of the period's months in that block} (see month_block)."""
        masks: dict[int, int] = {}
        for m in self.months:
            block, bit = month_block(m)
            masks[block] = masks.get(block, 0) | bit
        return masks

    def as_text(self) -> str:
        a, b = self.first.strftime("%Y-%m"), self.last.strftime("%Y-%m")
        return a if a == b else f"{a} – {b}"


def _parse(value: str, field: str) -> date:
    from django.utils.translation import gettext as _

    match = _VALUE_RE.match((value or "").strip())
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            pass
    raise ValidationFailed(
        "bad_period", _("Give a month as YYYY-MM (or a date as YYYY-MM-DD)."), field=field
    )


MAX_MONTHS = 60


def parse_period(
    from_value: str | None, to_value: str | None, *, today: date | None = None
) -> Period:
    """The whole months from `from_value` to `to_value` (YYYY-MM or a date in the month).
    Default: from January of this year to this month."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    last = month_start(_parse(to_value, "to")) if to_value else month_start(today)
    first = month_start(_parse(from_value, "from")) if from_value else date(last.year, 1, 1)
    if first > last:
        raise ValidationFailed(
            "bad_period", _("The period must not end before it starts."), field="to"
        )
    if not 2000 <= first.year <= 2100 or not 2000 <= last.year <= 2100:
        raise ValidationFailed(
            "bad_period", _("Choose a period between 2000 and 2100."), field="from"
        )
    if len(month_range(first, last)) > MAX_MONTHS:
        raise ValidationFailed(
            "bad_period",
            _("A period can cover at most %(n)d months.") % {"n": MAX_MONTHS},
            field="from",
        )
    return Period(first=first, last=last)

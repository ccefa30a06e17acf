"""Local-time windows. Times are stored in UTC; every calendar window (a day, a month, a quota
year) is cut in the configured local zone (Asia/Shanghai), never in UTC."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def day_start(day: date) -> datetime:
    """The aware instant at which local `day` begins."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar year."""
    return day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar month."""
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return day_start(date(year, month, 1)), day_start(nxt)


def after_day(moment: datetime, day: date) -> bool:
    """True when `moment` falls after the end of local `day` (a deadline met on the day counts)."""
    return moment >= day_start(day + timedelta(days=1))


def previous_month(today: date) -> tuple[int, int]:
    """(year, month) of the last complete local month before `today`."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def parse_month(value: str) -> tuple[int, int] | None:
    """'2026-10' → (2026, 10); None for anything else (pages and the API word the error)."""
    match = _MONTH_RE.match((value or "").strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    return (year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


def local_text(moment: datetime) -> str:
    """A moment as people here read it: local time, 'YYYY-MM-DD HH:MM'."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")

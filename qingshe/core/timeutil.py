"""Local-time windows. Times are stored in UTC; every calendar window (a day, a month, a quota
year) is cut in the configured local zone (Asia/Shanghai), never in UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


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

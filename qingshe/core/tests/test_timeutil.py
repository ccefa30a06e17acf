from datetime import UTC, date, datetime

from qingshe.core import timeutil


def test_year_boundary_is_shanghai_midnight() -> None:
    start, end = timeutil.year_bounds(2026)
    assert start == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    # 23:59 on 31 December in Shanghai is still 2026; one minute past midnight is 2027.
    assert start <= datetime(2026, 12, 31, 15, 59, tzinfo=UTC) < end
    assert not datetime(2026, 12, 31, 16, 1, tzinfo=UTC) < end


def test_month_bounds_wrap_december() -> None:
    start, end = timeutil.month_bounds(2026, 12)
    assert timeutil.local_date(start) == date(2026, 12, 1)
    assert timeutil.local_date(end) == date(2027, 1, 1)


def test_after_day_counts_the_whole_local_day() -> None:
    deadline = date(2026, 11, 15)
    assert not timeutil.after_day(datetime(2026, 11, 15, 15, 59, tzinfo=UTC), deadline)  # 23:59 local
    assert timeutil.after_day(datetime(2026, 11, 15, 16, 0, tzinfo=UTC), deadline)  # 00:00 next day

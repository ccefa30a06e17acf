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
    assert not timeutil.after_day(
        datetime(2026, 11, 15, 15, 59, tzinfo=UTC), deadline
    )  # 23:59 local
    assert timeutil.after_day(datetime(2026, 11, 15, 16, 0, tzinfo=UTC), deadline)  # 00:00 next day


def test_previous_and_parsed_months() -> None:
    assert timeutil.previous_month(date(2027, 1, 5)) == (2026, 12)
    assert timeutil.previous_month(date(2026, 11, 22)) == (2026, 10)
    assert timeutil.parse_month(" 2026-10 ") == (2026, 10)
    for bad in ("2026-13", "2026-1", "十月", "2026", "1999-01", ""):
        assert timeutil.parse_month(bad) is None


def test_local_text_is_shanghai_time() -> None:
    assert timeutil.local_text(datetime(2026, 11, 15, 16, 1, tzinfo=UTC)) == "2026-11-16 00:01"

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshe.duty.hours import add_working_days, confirmation_due, credited_hours

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (0, "0"),
        (14, "0"),
        (15, "0.5"),
        (44, "0.5"),
        (45, "1.0"),
        (74, "1.0"),
        (75, "1.5"),
        (120, "2.0"),
        (-5, "0"),
    ],
)
def test_rounding_rule(minutes: int, hours: str) -> None:
    assert credited_hours(T0, T0 + timedelta(minutes=minutes)) == Decimal(hours)


@given(st.integers(min_value=0, max_value=24 * 60))
def test_rounding_is_within_a_quarter_hour(minutes: int) -> None:
    hours = credited_hours(T0, T0 + timedelta(minutes=minutes))
    assert abs(hours * 60 - minutes) <= 15
    assert hours * 2 == int(hours * 2)


def test_ten_working_days_skip_weekends() -> None:
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)  # Monday
    assert confirmation_due(friday) == date(2026, 12, 4)
    assert confirmation_due(date(2026, 11, 22)) == date(2026, 12, 4)  # a Sunday service

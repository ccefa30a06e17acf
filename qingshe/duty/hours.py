"""The one rule that turns time on duty into credited hours, and the confirmation deadline.

Hours: the confirmed period (check-in to check-out, travel excluded) is rounded to the nearest
half hour, a remainder under 15 minutes counting 0 and 15 minutes or more counting a half hour.
So 1 h 14 min → 1.0 h, 1 h 15 min → 1.5 h, 1 h 44 min → 1.5 h, 1 h 45 min → 2.0 h, 14 min → 0.

Deadline: the national volunteer-record rule asks for records within 10 working days of the
service; working days are Monday to Friday in local time (public holidays are not modelled).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

HALF_HOUR_MINUTES = 30
CONFIRM_WITHIN_WORKING_DAYS = 10


def credited_hours(start: datetime, end: datetime) -> Decimal:
    if end <= start:
        return Decimal("0.0")
    minutes = int((end - start).total_seconds() // 60)
    halves, remainder = divmod(minutes, HALF_HOUR_MINUTES)
    if remainder >= HALF_HOUR_MINUTES // 2:
        halves += 1
    return Decimal(halves) / 2


def add_working_days(day: date, n: int) -> date:
    current = day
    while n > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            n -= 1
    return current


def confirmation_due(service_day: date) -> date:
    """The last local day on which attendance of `service_day` may still be confirmed."""
    return add_working_days(service_day, CONFIRM_WITHIN_WORKING_DAYS)

"""Small helpers shared by the council services: permission, text, local weeks and months."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import AccessDenied, ValidationFailed
from qingshe.core.timeutil import day_start

TEXT_MAX = 4000


def require(actor: Any, action: str, org: Any, message: str) -> None:
    if not access.can(actor, action, org):
        raise AccessDenied("forbidden", message)


def text(
    value: Any, *, field: str, required: bool = False, limit: int = TEXT_MAX, message: str = ""
) -> str:
    """Stripped text; script tags and the like are kept as typed and shown escaped by the pages."""
    out = str(value or "").strip()
    if required and not out:
        raise ValidationFailed(
            f"{field}_required", message or _("Please fill this in."), field=field
        )
    if len(out) > limit:
        raise ValidationFailed(
            "text_too_long", _("Please keep it to %(n)d characters.") % {"n": limit}, field=field
        )
    return out


def week_start_of(day: date) -> date:
    """The Monday of the local week holding `day`."""
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """[start, end) of the local week that begins on Monday `week_start`."""
    return day_start(week_start), day_start(week_start + timedelta(days=7))


def first_of_month(year: int, month: int) -> date:
    return date(year, month, 1)


def month_of(day: date) -> tuple[int, int]:
    return day.year, day.month


def month_weeks(year: int, month: int) -> list[date]:
    """The Mondays of every local week that overlaps the month."""
    first = week_start_of(date(year, month, 1))
    last_day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    weeks = []
    monday = first
    while monday <= last_day:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def check_month(year: Any, month: Any, *, field: str = "month") -> tuple[int, int]:
    try:
        y, m = int(year), int(month)
    except (TypeError, ValueError):
        y = m = 0
    if not (2000 <= y <= 2100 and 1 <= m <= 12):
        raise ValidationFailed("invalid_month", _("Give the month as YYYY-MM."), field=field)
    return y, m

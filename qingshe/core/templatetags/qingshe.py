"""Small template helpers shared by every app's pages."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django import template
from django.utils.dates import WEEKDAYS

register = template.Library()


@register.filter
def minutes(value: Any) -> int:
    """A timedelta in whole minutes, rounded up (for "try again in N minutes")."""
    if isinstance(value, timedelta):
        return max(1, math.ceil(value.total_seconds() / 60))
    return 0


@register.filter
def weekday_name(value: Any) -> str:
    """0 = Monday, as in StudentProfile.busy_slots; Django's own translated day names."""
    try:
        return str(WEEKDAYS[int(value)])
    except (TypeError, ValueError, KeyError):
        return ""

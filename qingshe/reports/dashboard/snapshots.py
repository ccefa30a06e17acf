"""Publishing a month: its figures are frozen per organisation, so that what was reported for a
month never changes afterwards (late records still reach the rollups and the live periods)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qingshe.core.timeutil import previous_month
from qingshe.orgs.models import Organisation
from qingshe.reports.dashboard.models import MonthFigure, MonthlySnapshot
from qingshe.reports.dashboard.periods import Period, month_start
from qingshe.reports.dashboard.refresh import refresh_rollups
from qingshe.reports.dashboard.selectors import DASHBOARD_KINDS, core_figures


def _jsonable(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        k: str(v) if isinstance(v, Decimal) else v
        for k, v in figures.items()
        if not k.startswith("_")
    }


@transaction.atomic
def month_freeze(*, month: date, today: date | None = None) -> int:
    """Freeze `month` (a past month) for every organisation that has a dashboard; months already
    frozen are left as they are. Returns how many organisations were frozen now."""
    month = month_start(month)
    today = today or timezone.localdate()
    if month >= month_start(today):
        raise ValueError("only a past month can be published")
    refresh_rollups()
    period = Period(first=month, last=month)
    done = set(MonthlySnapshot.objects.filter(month=month).values_list("org_id", flat=True))
    volunteers = dict(MonthFigure.objects.filter(month=month).values_list("org_id", "volunteers"))
    now = timezone.now()
    rows = []
    for org in Organisation.objects.filter(kind__in=DASHBOARD_KINDS).exclude(pk__in=done):
        figures = _jsonable(core_figures(org, period, today=today))
        figures["volunteers_in_month"] = volunteers.get(org.pk, 0)
        rows.append(MonthlySnapshot(org=org, month=month, figures=figures, frozen_at=now))
    MonthlySnapshot.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def previous_month_start(today: date) -> date:
    year, month = previous_month(today)
    return date(year, month, 1)

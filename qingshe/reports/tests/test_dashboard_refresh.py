"""The rollups' refresh: a first refresh computes every month with records; the next one finds
nothing new; a record written later brings exactly its month back; `dashboard-tick` enqueues
the refresh; only a past month can be published, and publishing twice freezes nothing again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from qingshe.reports.dashboard.models import MonthFigure, MonthlySnapshot
from qingshe.reports.dashboard.refresh import refresh_rollups
from qingshe.reports.dashboard.snapshots import month_freeze
from qingshe.reports.tests.dashboard_records import build, serve

pytestmark = pytest.mark.django_db


def test_refresh_is_incremental(city: Any) -> None:
    c = build(city)  # refreshes once
    assert refresh_rollups().months == []
    entry = serve(c, c.student2, date(2026, 8, 5), "4.5")
    entry.__class__.objects.filter(pk=entry.pk).update(recorded_at=timezone.now())
    assert refresh_rollups().months == [date(2026, 8, 1)]
    august = MonthFigure.objects.get(org=c.city, month=date(2026, 8, 1))
    assert august.hours == Decimal("4.5") and august.volunteers == 1 and august.events == 1
    # The community's figure too; the first university's branch was not involved in August.
    assert MonthFigure.objects.get(org=c.community, month=date(2026, 8, 1)).hours == Decimal("4.5")
    assert not MonthFigure.objects.filter(org=c.branch, month=date(2026, 8, 1)).exists()


def test_a_removed_record_leaves_its_month_when_recomputed(city: Any) -> None:
    c = build(city)
    from qingshe.credit.models import LedgerEntry

    LedgerEntry.objects.filter(service_date=date(2026, 9, 12)).update(hours=Decimal("0"))
    refresh_rollups(months=[date(2026, 9, 1)])
    assert MonthFigure.objects.get(org=c.city, month=date(2026, 9, 1)).hours == Decimal("0")


def test_dashboard_tick_enqueues_the_refresh(city: Any) -> None:
    build(city)
    out = StringIO()
    call_command("dashboard-tick", stdout=out)
    assert out.getvalue().startswith("refresh: ")


def test_only_a_past_month_is_published_and_only_once(city: Any) -> None:
    c = build(city)
    with pytest.raises(ValueError):
        month_freeze(month=date(2026, 11, 1), today=date(2026, 11, 22))
    first = month_freeze(month=date(2026, 10, 1), today=date(2026, 11, 22))
    assert first > 0
    frozen = MonthlySnapshot.objects.get(org=c.city, month=date(2026, 10, 1))
    assert frozen.figures["hours"] == "3.0" and frozen.figures["needs_solved"] == 1
    assert month_freeze(month=date(2026, 10, 1), today=date(2026, 11, 22)) == 0


def test_one_refresh_at_a_time(city: Any) -> None:
    from datetime import timedelta

    from qingshe.reports.dashboard.models import RollupState

    c = build(city)
    serve(c, c.student2, date(2026, 8, 5), "4.5").__class__.objects.filter(
        service_date=date(2026, 8, 5)
    ).update(recorded_at=timezone.now())
    RollupState.objects.update(running_since=timezone.now() - timedelta(minutes=5))
    busy = refresh_rollups()
    assert busy.skipped and busy.months == []
    assert not MonthFigure.objects.filter(org=c.city, month=date(2026, 8, 1)).exists()
    # A refresh that died hours ago does not block the next one, which clears the mark.
    RollupState.objects.update(running_since=timezone.now() - timedelta(hours=3))
    assert refresh_rollups().months == [date(2026, 8, 1)]
    assert RollupState.objects.get().running_since is None

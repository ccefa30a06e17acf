"""The dashboards on the demo city: the rollups give the same figures as the naive aggregate over
the raw rows, for every organisation that has a dashboard and several periods; the demo step
publishes the month before today, and a published month no longer changes when late records
arrive, while the live period does."""

from __future__ import annotations

from datetime import date

import pytest

from qingshe.demo.builder import build_demo
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.reports.dashboard.models import MonthlySnapshot, RollupState
from qingshe.reports.dashboard.naive import naive_figures
from qingshe.reports.dashboard.periods import Period
from qingshe.reports.dashboard.refresh import refresh_rollups
from qingshe.reports.dashboard.selectors import DASHBOARD_KINDS, core_figures

TODAY = date(2026, 11, 22)
SIZE = 0.3
PERIODS = (
    Period(date(2026, 1, 1), date(2026, 11, 1)),  # this year
    Period(date(2025, 9, 1), date(2026, 2, 1)),  # across the turn of the year
    Period(date(2026, 10, 1), date(2026, 10, 1)),  # one month (published by the demo)
    Period(date(2025, 11, 1), date(2026, 11, 1)),  # thirteen months
    Period(date(2024, 6, 1), date(2026, 11, 1)),  # across two blocks of months (DISTINCT)
)


@pytest.mark.django_db
def test_rollups_equal_the_naive_aggregate_on_the_demo_city() -> None:
    build_demo(seed=2026, size=SIZE, today=TODAY, log=lambda _line: None)
    assert RollupState.objects.get().refreshed_at is not None
    orgs = list(Organisation.objects.filter(kind__in=DASHBOARD_KINDS))
    kinds = {o.kind for o in orgs}
    assert {
        OrgKind.CITY_COMMITTEE,
        OrgKind.DISTRICT_COMMITTEE,
        OrgKind.UNIVERSITY_COMMITTEE,
        OrgKind.DEPARTMENT_COMMITTEE,
        OrgKind.COMMUNITY,
        OrgKind.CLASS_BRANCH,
    } <= kinds
    city = next(o for o in orgs if o.kind == OrgKind.CITY_COMMITTEE)
    year = core_figures(city, PERIODS[0], today=TODAY)
    # The demo city has every kind of record this year, so no comparison is of zeros only.
    for name in (
        "hours",
        "volunteers",
        "teams",
        "events",
        "needs_received",
        "needs_solved",
        "resident_visits",
        "points_issued",
        "points_redeemed",
        "pairings_active",
    ):
        assert year[name] > 0, name
    assert sum(year["open_by_age"].values()) > 0
    assert year["needs_labour"] > 0 and year["needs_skilled"] > 0
    differences = []
    for org in orgs:
        for period in PERIODS:
            rolled = core_figures(org, period, today=TODAY)
            rolled.pop("_by_major")
            naive = naive_figures(org, period, today=TODAY)
            if rolled != naive:
                differences.append(
                    (
                        org.name,
                        period,
                        {k: (rolled[k], naive[k]) for k in rolled if rolled[k] != naive[k]},
                    )
                )
    assert differences == []

    # A refresh with nothing new changes nothing; a full rebuild gives the same figures.
    refresh_rollups()
    refresh_rollups(full=True)
    again = core_figures(city, PERIODS[0], today=TODAY)
    again.pop("_by_major")
    year.pop("_by_major")
    assert again == year


@pytest.mark.django_db
def test_a_published_month_stays_as_it_was(django_assert_max_num_queries) -> None:
    from decimal import Decimal

    from qingshe.credit.models import LedgerEntry
    from qingshe.reports.dashboard.selectors import dashboard_for

    build_demo(seed=2026, size=0.2, today=TODAY, log=lambda _line: None)
    city = Organisation.objects.get(kind=OrgKind.CITY_COMMITTEE)
    october = Period(date(2026, 10, 1), date(2026, 10, 1))
    assert MonthlySnapshot.objects.filter(org=city, month=october.first).exists()
    from qingshe.accounts.models import User

    admin = User.objects.filter(memberships__org=city, memberships__role="league_admin").first()
    before = dashboard_for(user=admin, org_id=city.pk, period=october, today=TODAY)
    assert before.frozen_at is not None
    # A late record of October: the live rollups see it, the published month does not.
    entry = LedgerEntry.objects.filter(
        service_date__month=10, service_date__year=2026, kind="service"
    ).first()
    LedgerEntry.objects.filter(pk=entry.pk).update(hours=entry.hours + Decimal("5"))
    refresh_rollups(months=[october.first])
    with django_assert_max_num_queries(20):
        after = dashboard_for(user=admin, org_id=city.pk, period=october, today=TODAY)
    assert after.totals["hours"] == before.totals["hours"]
    two_months = Period(date(2026, 10, 1), date(2026, 11, 1))
    live = core_figures(city, two_months, today=TODAY)
    assert live["hours"] == naive_figures(city, two_months, today=TODAY)["hours"]
    assert [
        r["hours"]
        for r in dashboard_for(user=admin, org_id=city.pk, period=two_months, today=TODAY).trend
    ][0] == before.totals["hours"]

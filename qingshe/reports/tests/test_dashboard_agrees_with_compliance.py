"""The dashboard says what the compliance page says, on the demo city.

Quotas (programmes.quotas): for the city, every university and every department, the same
departments judged, the same below quota, the same verdict; a department's own figures and a
university's students (each counted once) are the same numbers on both pages.

A pairing's services in a month (programmes.selectors.pairing_service_counts: records plus duty
shifts served): the dashboard's rollup, which finds idle pairings, counts the same."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from qingshe.accounts.models import User
from qingshe.demo.builder import build_demo
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.programmes.models import Pairing
from qingshe.programmes.quotas import quota_met, quota_pct
from qingshe.programmes.selectors import compliance_for_user, pairing_service_counts
from qingshe.reports.dashboard.models import PairingMonth
from qingshe.reports.dashboard.periods import Period
from qingshe.reports.dashboard.selectors import dashboard_for

TODAY = date(2026, 11, 22)
PERIOD = Period(date(2026, 1, 1), date(2026, 11, 1))


def test_one_rounding_and_one_rule() -> None:
    assert quota_pct(1, 16) == Decimal("6.3")  # half up, not half to even
    assert quota_pct(1, 8) == Decimal("12.5") and quota_pct(0, 0) == Decimal("0.0")
    quotas = {"branch_quota_pct": Decimal("25"), "student_quota_pct": Decimal("25")}
    assert quota_met(branches_in=1, branches_total=4, students_in=5, students_total=20, **quotas)
    assert not quota_met(
        branches_in=1, branches_total=5, students_in=20, students_total=20, **quotas
    )
    assert not quota_met(branches_in=0, branches_total=0, students_in=0, students_total=0, **quotas)


@pytest.mark.django_db
def test_the_dashboard_judges_quotas_as_the_compliance_page_does() -> None:
    build_demo(seed=2026, size=0.3, today=TODAY, log=lambda _line: None)
    admin = User.objects.get(username="league_admin")
    orgs = list(
        Organisation.objects.filter(
            kind__in=[
                OrgKind.CITY_COMMITTEE,
                OrgKind.UNIVERSITY_COMMITTEE,
                OrgKind.DEPARTMENT_COMMITTEE,
            ]
        ).order_by("path")
    )
    verdicts: dict[str, set[bool]] = {
        kind: set() for kind in (OrgKind.UNIVERSITY_COMMITTEE, OrgKind.DEPARTMENT_COMMITTEE)
    }
    compared = 0
    for org in orgs:
        board = dashboard_for(user=admin, org_id=org.pk, period=PERIOD, today=TODAY)
        for row in board.quotas:
            result = compliance_for_user(user=admin, programme=row["programme"], under=org)
            departments = result.departments
            assert departments, org.name
            below = sum(not d.met for d in departments)
            assert (row["departments_total"], row["departments_below"], row["met"]) == (
                len(departments),
                below,
                below == 0,
            ), org.name
            if org.kind == OrgKind.DEPARTMENT_COMMITTEE:
                (d,) = departments
                assert (
                    row["branches_in"],
                    row["branches_total"],
                    row["branch_pct"],
                    row["students_in"],
                    row["students_total"],
                    row["student_pct"],
                ) == (
                    d.branches_taking_part,
                    d.branches_total,
                    d.branch_pct,
                    d.students_taking_part,
                    d.students_total,
                    d.student_pct,
                ), org.name
            if org.kind == OrgKind.UNIVERSITY_COMMITTEE:
                students, taking = result.university_students[org.pk]
                assert (row["students_total"], row["students_in"]) == (students, taking), org.name
            if org.kind in verdicts:
                verdicts[org.kind].add(row["met"])
            compared += 1
    # The demo city has departments on both sides of the quota, and universities too.
    assert compared >= 5
    assert verdicts[OrgKind.DEPARTMENT_COMMITTEE] == {True, False}
    assert False in verdicts[OrgKind.UNIVERSITY_COMMITTEE]

    # The page says how many departments are below quota.
    university = next(
        o
        for o in orgs
        if o.kind == OrgKind.UNIVERSITY_COMMITTEE
        and any(
            not r["met"]
            for r in dashboard_for(user=admin, org_id=o.pk, period=PERIOD, today=TODAY).quotas
        )
    )
    row = next(
        r
        for r in dashboard_for(user=admin, org_id=university.pk, period=PERIOD, today=TODAY).quotas
        if not r["met"]
    )
    client = Client()
    client.force_login(admin)
    html = client.get(
        f"/dashboard/{university.pk}/", {"from": "2026-01", "to": "2026-11"}
    ).content.decode()
    assert f"{row['departments_total']} 个院系中 {row['departments_below']} 个未达标" in html
    assert "未达标" in html


@pytest.mark.django_db
def test_a_pairings_services_in_a_month_are_counted_alike() -> None:
    from qingshe.credit.models import LedgerEntry

    build_demo(seed=2026, size=0.3, today=TODAY, log=lambda _line: None)
    pairings = list(Pairing.objects.values_list("pk", flat=True))
    rolled: dict[tuple[int, date], int] = {
        (pm.pairing_id, pm.month): pm.events for pm in PairingMonth.objects.all()
    }
    months = sorted({month for _pairing, month in rolled})
    assert len(months) >= 3
    with_shifts = 0
    for month in months:
        end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        counts = pairing_service_counts(pairing_ids=pairings, first_day=month, end_day=end)
        assert {p: n for p, n in counts.items() if n} == {
            p: n for (p, m), n in rolled.items() if m == month and n
        }, month
        with_shifts += LedgerEntry.objects.filter(
            attendance__shift__activity__pairing__isnull=False,
            service_date__gte=month,
            service_date__lt=end,
        ).count()
    assert with_shifts > 0  # duty shifts count, not only the secretaries' records

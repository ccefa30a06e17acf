"""The same figures as the rollups, aggregated straight over the raw rows at request time.

Not used by the pages: the reference that the tests compare the rollups with on the demo city,
and the baseline of `make bench` (key `dashboard`). The attribution rule is refresh.py's: a fact
belongs to the organisations on its sides (organiser, volunteer's branch, need's community,
pairing's two sides, points' person) and to all their ancestors; here that is "its side lies in
the organisation's subtree", a path prefix.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from qingshe.orgs.models import Organisation
from qingshe.reports.dashboard import periods
from qingshe.reports.dashboard.periods import Period
from qingshe.reports.dashboard.refresh import AWARD_KINDS, SKILLED_KINDS


def ledger_qs(org: Organisation, period: Period) -> QuerySet[Any]:
    """Hours ledger entries of the period that belong to `org` (all kinds, reversals too)."""
    from qingshe.credit.models import LedgerEntry

    p = org.path
    return LedgerEntry.objects.filter(
        Q(organiser__path__startswith=p) | Q(user__student__branch__path__startswith=p),
        service_date__gte=period.first,
        service_date__lt=period.end_day,
    )


def service_records_qs(org: Organisation, period: Period) -> QuerySet[Any]:
    from qingshe.programmes.models import ServiceRecord

    p = org.path
    return ServiceRecord.objects.filter(
        Q(pairing__unit__path__startswith=p) | Q(pairing__community__path__startswith=p),
        held_on__gte=period.first,
        held_on__lt=period.end_day,
    )


def needs_qs(org: Organisation) -> QuerySet[Any]:
    from qingshe.needs.models import Need

    return Need.objects.filter(community__path__startswith=org.path)


def needs_received_qs(org: Organisation, period: Period) -> QuerySet[Any]:
    return needs_qs(org).filter(created_at__gte=period.start, created_at__lt=period.end)


def needs_solved_qs(org: Organisation, period: Period) -> QuerySet[Any]:
    from qingshe.needs.models import NeedEvent

    solved_ids = NeedEvent.objects.filter(
        need__community__path__startswith=org.path,
        to_state="verified",
        at__gte=period.start,
        at__lt=period.end,
    ).values("need_id")
    return needs_qs(org).filter(pk__in=solved_ids)


def transfers_qs(org: Organisation, period: Period) -> QuerySet[Any]:
    from qingshe.credit.models import PointsTransfer

    p = org.path
    return PointsTransfer.objects.filter(
        pk__in=PointsTransfer.objects.filter(
            Q(activity__organiser__path__startswith=p)
            | Q(need__community__path__startswith=p)
            | Q(
                entries__account__kind="person",
                entries__account__user__student__branch__path__startswith=p,
            ),
            created_at__gte=period.start,
            created_at__lt=period.end,
        ).values("pk")
    )


def pairings_active_qs(org: Organisation) -> QuerySet[Any]:
    from qingshe.programmes.models import Pairing

    p = org.path
    return Pairing.objects.filter(
        Q(unit__path__startswith=p) | Q(community__path__startswith=p), state=Pairing.State.ACTIVE
    )


def busy_pairing_ids(period: Period) -> set[int]:
    """Pairings that held an event in the idle window of the period (see idle_window)."""
    from qingshe.credit.models import LedgerEntry
    from qingshe.programmes.models import ServiceRecord

    recent = idle_window(period)
    return set(
        LedgerEntry.objects.filter(
            service_date__gte=recent[0], service_date__lt=recent[1], attendance__isnull=False
        )
        .exclude(kind="reversal")
        .exclude(attendance__shift__activity__pairing__isnull=True)
        .values_list("attendance__shift__activity__pairing_id", flat=True)
    ) | set(
        ServiceRecord.objects.filter(held_on__gte=recent[0], held_on__lt=recent[1]).values_list(
            "pairing_id", flat=True
        )
    )


def naive_figures(org: Organisation, period: Period, *, today: date) -> dict[str, Any]:
    from qingshe.needs.models import Need

    ledger = ledger_qs(org, period)
    served = ledger.exclude(kind="reversal")
    hours = ledger.aggregate(h=Sum("hours"))["h"] or Decimal("0")
    volunteers = served.values("user_id").distinct().count()
    teams = (
        served.filter(user__student__isnull=False)
        .values("user__student__branch_id")
        .distinct()
        .count()
    )
    shifts = (
        served.filter(attendance__isnull=False).values("attendance__shift_id").distinct().count()
    )
    received = needs_received_qs(org, period)
    skilled = received.filter(work_kind__in=SKILLED_KINDS).count()
    solved = needs_solved_qs(org, period)
    by_kind = dict(
        transfers_qs(org, period).values("kind").annotate(n=Sum("amount")).values_list("kind", "n")
    )
    issued = sum(by_kind.get(k, 0) for k in AWARD_KINDS) - by_kind.get("reversal", 0)
    redeemed = by_kind.get("redemption", 0) - by_kind.get("cancellation", 0)
    ages = {"week": 0, "month": 0, "quarter": 0, "older": 0}
    for created in (
        needs_qs(org).filter(state__in=Need.OPEN_STATES).values_list("created_at", flat=True)
    ):
        ages[age_bucket(today, periods.local_day(created))] += 1
    active_ids = set(pairings_active_qs(org).values_list("pk", flat=True))
    return {
        "hours": hours,
        "volunteers": volunteers,
        "teams": teams,
        "events": shifts + service_records_qs(org, period).count(),
        "resident_visits": solved.filter(reporter__isnull=False).count(),
        "needs_received": received.count(),
        "needs_labour": received.count() - skilled,
        "needs_skilled": skilled,
        "needs_solved": solved.count(),
        "points_issued": issued,
        "points_redeemed": redeemed,
        "open_by_age": ages,
        "pairings_active": len(active_ids),
        "pairings_idle": len(active_ids - busy_pairing_ids(period)),
    }


def age_bucket(today: date, received_on: date) -> str:
    days = (today - received_on).days
    if days < 7:
        return "week"
    if days < 30:
        return "month"
    if days < 90:
        return "quarter"
    return "older"


def idle_window(period: Period) -> tuple[date, date]:
    """[from, until) in which an active pairing must have held an event not to be idle: the last
    two months of the period."""
    last = period.last
    before = date(last.year - (last.month == 1), (last.month - 2) % 12 + 1, 1)
    return before, period.end_day

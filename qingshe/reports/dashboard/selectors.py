"""Reads of the dashboards: one organisation's figures over a period, from the rollups.

A person sees the dashboard of an organisation where they hold a role allowed to read it
(`dashboard.view` in core.access) at it or above it; anyone else gets a 404. A fixed number of
queries, whatever the size of the city: the rollups are keyed by organisation and month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.programmes.quotas import quota_met, quota_pct
from qingshe.reports.dashboard.models import (
    ActiveMember,
    MajorDemand,
    MonthFigure,
    MonthlySnapshot,
    OpenNeedCohort,
    PairingMonth,
    QuotaFigure,
    RollupState,
)
from qingshe.reports.dashboard.naive import age_bucket, idle_window
from qingshe.reports.dashboard.periods import Period, month_range

DASHBOARD_KINDS = (
    OrgKind.CITY_COMMITTEE,
    OrgKind.DISTRICT_COMMITTEE,
    OrgKind.UNIVERSITY_COMMITTEE,
    OrgKind.DEPARTMENT_COMMITTEE,
    OrgKind.CLASS_BRANCH,
    OrgKind.STREET,
    OrgKind.COMMUNITY,
)
SUMMED = (
    "hours",
    "events",
    "resident_visits",
    "needs_received",
    "needs_labour",
    "needs_skilled",
    "needs_solved",
    "points_issued",
    "points_redeemed",
)
AGE_BUCKETS = ("week", "month", "quarter", "older")


def dashboard_org_for_user(*, user: Any, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id, kind__in=DASHBOARD_KINDS).first()
    if org is None or not access.can(user, "dashboard.view", org):
        raise NotFound("not_found", _("No such organisation."))
    return org


def dashboard_orgs_for_user(*, user: Any) -> list[Organisation]:
    """The highest organisations whose dashboard `user` may read (their own entry points)."""
    q = access.subtree_q(user, access.ORG_ACTIONS["dashboard.view"])
    orgs = list(
        Organisation.objects.filter(q, kind__in=DASHBOARD_KINDS).order_by("depth", "path")[:200]
    )
    tops: list[Organisation] = []
    for org in orgs:
        if not any(org.path.startswith(t.path) for t in tops):
            tops.append(org)
    return tops


@dataclass
class Ranked:
    org: Organisation
    hours: Decimal
    events: int
    needs_solved: int
    volunteers: int


@dataclass
class Dashboard:
    org: Organisation
    period: Period
    totals: dict[str, Any]
    trend: list[dict[str, Any]]
    open_by_age: dict[str, int]
    pairings_active: int
    pairings_idle: int
    quotas: list[dict[str, Any]]
    ranking: list[Ranked]
    gap_majors: list[dict[str, Any]]
    featured_cases: int
    featured_projects: int
    model_communities: int
    council_resolved: int | None
    refreshed_at: Any
    frozen_at: Any = None
    children_kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def hours(value: Decimal | int | None) -> Decimal:
    """Hours as the ledger writes them, one decimal (SQLite's SUM drops the trailing zero)."""
    return Decimal(value or 0).quantize(Decimal("0.1"))


def _active_q(period: Period) -> tuple[Q, Any]:
    masks = period.block_masks()
    hit = Case(
        *[When(block=b, then=F("months").bitand(m)) for b, m in masks.items()],
        default=Value(0),
        output_field=BigIntegerField(),
    )
    return Q(block__in=list(masks)), hit


def involved(org: Organisation, period: Period) -> tuple[int, int, dict[str, int]]:
    """(volunteers, teams, volunteers by major) involved in the period. Within one block a person
    has one row, so a plain count is a count of people; a period across two blocks counts them
    once with DISTINCT."""
    block_q, hit = _active_q(period)
    base = ActiveMember.objects.filter(block_q, org=org).annotate(hit=hit).filter(hit__gt=0)
    one_block = len(period.block_masks()) == 1
    counted = Count("pk") if one_block else Count("member_id", distinct=True)
    by_major = dict(
        base.filter(kind=ActiveMember.Kind.VOLUNTEER)
        .values("major")
        .annotate(n=counted)
        .order_by()
        .values_list("major", "n")
    )
    if one_block:
        volunteers = sum(by_major.values())
        teams = base.filter(kind=ActiveMember.Kind.TEAM).count()
    else:
        volunteers = (
            base.filter(kind=ActiveMember.Kind.VOLUNTEER).values("member_id").distinct().count()
        )
        teams = base.filter(kind=ActiveMember.Kind.TEAM).values("member_id").distinct().count()
    return volunteers, teams, by_major


def core_figures(org: Organisation, period: Period, *, today: date) -> dict[str, Any]:
    """The figures that naive.naive_figures computes from raw rows, here from the rollups."""
    from qingshe.programmes.models import Pairing

    sums = MonthFigure.objects.filter(
        org=org, month__gte=period.first, month__lte=period.last
    ).aggregate(**{name: Sum(name) for name in SUMMED})
    out: dict[str, Any] = {name: sums[name] or 0 for name in SUMMED}
    out["hours"] = hours(sums["hours"])
    out["volunteers"], out["teams"], out["_by_major"] = involved(org, period)
    ages = dict.fromkeys(AGE_BUCKETS, 0)
    for received_on, n in OpenNeedCohort.objects.filter(org=org).values_list(
        "received_on", "count"
    ):
        ages[age_bucket(today, received_on)] += n
    out["open_by_age"] = ages
    active = set(
        Pairing.objects.filter(
            Q(unit__path__startswith=org.path) | Q(community__path__startswith=org.path),
            state=Pairing.State.ACTIVE,
        ).values_list("pk", flat=True)
    )
    window = idle_window(period)
    busy = set(
        PairingMonth.objects.filter(
            pairing_id__in=active, month__gte=window[0], month__lt=window[1], events__gt=0
        ).values_list("pairing_id", flat=True)
    )
    out["pairings_active"] = len(active)
    out["pairings_idle"] = len(active - busy)
    return out


def _trend(org: Organisation, period: Period) -> list[dict[str, Any]]:
    rows = {
        r["month"]: r
        for r in MonthFigure.objects.filter(
            org=org, month__gte=period.first, month__lte=period.last
        ).values("month", "volunteers", *SUMMED)
    }
    frozen = {
        s.month: s.figures
        for s in MonthlySnapshot.objects.filter(
            org=org, month__gte=period.first, month__lte=period.last
        )
    }
    trend = []
    for month in month_range(period.first, period.last):
        if month in frozen:
            row = {k: frozen[month].get(k, 0) for k in ("volunteers", *SUMMED)}
            row["hours"] = hours(Decimal(str(row["hours"])))
            row["frozen"] = True
        else:
            row = {k: (rows.get(month) or {}).get(k, 0) for k in ("volunteers", *SUMMED)}
            row["hours"] = hours(row["hours"])
            row["frozen"] = False
        row["month"] = month
        trend.append(row)
    return trend


def _ranking(org: Organisation, period: Period) -> list[Ranked]:
    children = {
        c.pk: c
        for c in Organisation.objects.filter(parent=org, kind__in=DASHBOARD_KINDS).order_by("path")
    }
    if not children:
        return []
    sums = {
        r["org_id"]: r
        for r in MonthFigure.objects.filter(
            org_id__in=children, month__gte=period.first, month__lte=period.last
        )
        .values("org_id")
        .annotate(h=Sum("hours"), e=Sum("events"), s=Sum("needs_solved"), v=Sum("volunteers"))
        .order_by()
    }
    ranked = [
        Ranked(
            org=c,
            hours=hours((sums.get(pk) or {}).get("h")),
            events=(sums.get(pk) or {}).get("e") or 0,
            needs_solved=(sums.get(pk) or {}).get("s") or 0,
            volunteers=(sums.get(pk) or {}).get("v") or 0,
        )
        for pk, c in children.items()
    ]
    ranked.sort(key=lambda r: (-r.hours, -r.events, r.org.path))
    return ranked


def _gap(org: Organisation, period: Period, supply: dict[str, int]) -> list[dict[str, Any]]:
    demand = dict(
        MajorDemand.objects.filter(org=org, month__gte=period.first, month__lte=period.last)
        .values("major")
        .annotate(n=Sum("needs"))
        .order_by()
        .values_list("major", "n")
    )
    majors = sorted(
        set(demand) | {m for m in supply if m},
        key=lambda m: (-demand.get(m, 0), -supply.get(m, 0), m),
    )
    return [
        {"major": m, "needs": demand.get(m, 0), "volunteers": supply.get(m, 0)} for m in majors[:15]
    ]


def _quotas(org: Organisation) -> list[dict[str, Any]]:
    """The programme quotas over `org`'s subtree. Whether a quota is met is judged as the
    compliance page judges it: department by department (programmes.quotas), so an organisation
    above departments meets it only when every department in it does; a class branch, having no
    department below it, by its own figures."""
    figures = list(
        QuotaFigure.objects.filter(org=org)
        .select_related("programme")
        .order_by("-programme__year", "programme_id")
    )
    departments: dict[int, list[bool]] = defaultdict(list)
    for q in QuotaFigure.objects.filter(
        programme_id__in=[q.programme_id for q in figures],
        org__kind=OrgKind.DEPARTMENT_COMMITTEE,
        org__path__startswith=org.path,
    ).select_related("programme"):
        departments[q.programme_id].append(_met(q))
    rows = []
    for q in figures:
        pr = q.programme
        judged = departments.get(q.programme_id) or [_met(q)]
        rows.append(
            {
                "programme": pr,
                "branches_total": q.branches_total,
                "branches_in": q.branches_in,
                "branch_pct": quota_pct(q.branches_in, q.branches_total),
                "branch_quota_pct": pr.branch_quota_pct,
                "students_total": q.students_total,
                "students_in": q.students_in,
                "student_pct": quota_pct(q.students_in, q.students_total),
                "student_quota_pct": pr.student_quota_pct,
                "departments_total": len(departments.get(q.programme_id, ())),
                "departments_below": judged.count(False) if q.programme_id in departments else 0,
                "met": all(judged),
            }
        )
    return rows


def _met(q: QuotaFigure) -> bool:
    return quota_met(
        branches_in=q.branches_in,
        branches_total=q.branches_total,
        students_in=q.students_in,
        students_total=q.students_total,
        branch_quota_pct=q.programme.branch_quota_pct,
        student_quota_pct=q.programme.student_quota_pct,
    )


def _results(org: Organisation, period: Period) -> tuple[int, int, int]:
    """(featured cases, featured projects, model communities) of the subtree in the period."""
    from qingshe.credit.models import Commendation
    from qingshe.reports.models import TypicalCase

    featured = TypicalCase.objects.filter(
        department__path__startswith=org.path,
        state=TypicalCase.State.FEATURED,
        reviewed_at__gte=period.start,
        reviewed_at__lt=period.end,
    )
    cases = featured.count()
    projects = featured.exclude(project__isnull=True).values("project_id").distinct().count()
    models_ = (
        Commendation.objects.filter(
            team__kind=OrgKind.COMMUNITY,
            team__path__startswith=org.path,
            period_end__gte=period.first,
            period_start__lt=period.end_day,
        )
        .values("team_id")
        .distinct()
        .count()
    )
    return cases, projects, models_


def council_resolved(org: Organisation, period: Period) -> int | None:
    """Items of the youth council's monthly lists decided (resolutions recorded) in the period,
    in the communities of the subtree; None while the council app has no records to count (it is
    built alongside and read only when its models are there)."""
    try:
        from qingshe.council.models import Resolution
    except ImportError:
        return None
    return Resolution.objects.filter(
        meeting__community__path__startswith=org.path,
        created_at__gte=period.start,
        created_at__lt=period.end,
    ).count()


def dashboard_for(
    *, user: Any, org_id: int, period: Period, today: date | None = None
) -> Dashboard:
    today = today or timezone.localdate()
    org = dashboard_org_for_user(user=user, org_id=org_id)
    state = RollupState.objects.order_by("pk").first()
    frozen = None
    if period.first == period.last:
        frozen = MonthlySnapshot.objects.filter(org=org, month=period.first).first()
    core = core_figures(org, period, today=today)
    by_major = core.pop("_by_major")
    if frozen is not None:
        core.update({k: v for k, v in frozen.figures.items() if k in core})
        core["hours"] = hours(Decimal(str(core["hours"])))
    cases, projects, models_ = _results(org, period)
    ranking = _ranking(org, period)
    return Dashboard(
        org=org,
        period=period,
        totals=core,
        trend=_trend(org, period),
        open_by_age=core["open_by_age"],
        pairings_active=core["pairings_active"],
        pairings_idle=core["pairings_idle"],
        quotas=_quotas(org),
        ranking=ranking,
        gap_majors=_gap(org, period, by_major),
        featured_cases=cases,
        featured_projects=projects,
        model_communities=models_,
        council_resolved=council_resolved(org, period),
        refreshed_at=state.refreshed_at if state else None,
        frozen_at=frozen.frozen_at if frozen else None,
    )

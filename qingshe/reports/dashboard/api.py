"""API: `GET /stats/overview?org=&from=&to=`, an organisation's dashboard figures over whole months.

The same figures as the page (reports.dashboard.selectors, read from the rollups); an
organisation outside the caller's view answers 404 `not_found`, like one that does not exist.
"""

# No `from __future__ import annotations` here: ninja resolves the schemas at runtime.
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound
from qingshe.reports.dashboard import selectors
from qingshe.reports.dashboard.periods import parse_period

router = Router(tags=["stats"])


class OverviewQuery(Schema):
    org: int | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None


class MonthOut(Schema):
    month: str
    hours: Decimal
    events: int
    volunteers: int
    needs_received: int
    needs_solved: int
    points_issued: int
    points_redeemed: int
    published: bool


class RankedOut(Schema):
    org: int
    name: str
    hours: Decimal
    events: int
    needs_solved: int


class QuotaOut(Schema):
    programme: int
    programme_name: str
    year: int
    branches_total: int
    branches_in: int
    branch_pct: Decimal
    branch_quota_pct: Decimal
    students_total: int
    students_in: int
    student_pct: Decimal
    student_quota_pct: Decimal
    departments_total: int = Field(
        description="Department committees judged (0 below department level)"
    )
    departments_below: int = Field(description="Of those, departments below either quota")
    met: bool = Field(description="Every department meets both quotas (a branch: its own figures)")


class GapOut(Schema):
    major: str
    needs: int
    volunteers: int


class OverviewOut(Schema):
    org: int
    org_name: str
    org_kind: str
    period_from: str
    period_to: str
    refreshed_at: datetime | None
    published_at: datetime | None
    pairings_active: int
    pairings_idle: int
    volunteers: int
    teams: int
    events: int
    hours: Decimal
    resident_visits: int
    needs_received: int
    needs_labour: int
    needs_skilled: int
    needs_solved: int
    needs_open_by_age: dict[str, int]
    council_resolved: int
    council_available: bool
    points_issued: int
    points_redeemed: int
    model_communities: int
    featured_cases: int
    featured_projects: int
    quotas: list[QuotaOut]
    trend: list[MonthOut]
    ranking: list[RankedOut]
    gap: list[GapOut]


def _default_org(user: Any) -> int:
    tops = selectors.dashboard_orgs_for_user(user=user)
    if not tops:
        raise NotFound("not_found", _("No dashboard is available to you."))
    return tops[0].pk


@router.get(
    "/stats/overview",
    response={200: OverviewOut, **error_responses(401, 404, 422)},
    summary="An organisation's dashboard figures over a period of months",
)
def stats_overview(request: HttpRequest, filters: Query[OverviewQuery]) -> Any:
    """`org`: the organisation (default: the highest one whose dashboard the caller may read);
    `from`, `to`: months as YYYY-MM (or dates, widened to their months; default this year up to
    this month). Figures are read from rollups refreshed every few minutes (`refreshed_at`); a
    one-month period that was published returns its frozen figures (`published_at`). 422
    `bad_period`; 404 `not_found` for an organisation outside the caller's view."""
    user = request.auth  # type: ignore[attr-defined]
    period = parse_period(filters.from_, filters.to)
    org_id = filters.org if filters.org is not None else _default_org(user)
    board = selectors.dashboard_for(user=user, org_id=org_id, period=period)
    t = board.totals
    return {
        "org": board.org.pk,
        "org_name": board.org.name,
        "org_kind": board.org.kind,
        "period_from": f"{period.first:%Y-%m}",
        "period_to": f"{period.last:%Y-%m}",
        "refreshed_at": board.refreshed_at,
        "published_at": board.frozen_at,
        "pairings_active": board.pairings_active,
        "pairings_idle": board.pairings_idle,
        **{
            k: t[k]
            for k in (
                "volunteers",
                "teams",
                "events",
                "hours",
                "resident_visits",
                "needs_received",
                "needs_labour",
                "needs_skilled",
                "needs_solved",
                "points_issued",
                "points_redeemed",
            )
        },
        "needs_open_by_age": board.open_by_age,
        "council_resolved": board.council_resolved or 0,
        "council_available": board.council_resolved is not None,
        "model_communities": board.model_communities,
        "featured_cases": board.featured_cases,
        "featured_projects": board.featured_projects,
        "quotas": [
            {
                **{
                    k: q[k]
                    for k in (
                        "branches_total",
                        "branches_in",
                        "branch_pct",
                        "branch_quota_pct",
                        "students_total",
                        "students_in",
                        "student_pct",
                        "student_quota_pct",
                        "departments_total",
                        "departments_below",
                        "met",
                    )
                },
                "programme": q["programme"].pk,
                "programme_name": q["programme"].name,
                "year": q["programme"].year,
            }
            for q in board.quotas
        ],
        "trend": [
            {
                "month": f"{r['month']:%Y-%m}",
                "published": r["frozen"],
                **{
                    k: r[k]
                    for k in (
                        "hours",
                        "events",
                        "volunteers",
                        "needs_received",
                        "needs_solved",
                        "points_issued",
                        "points_redeemed",
                    )
                },
            }
            for r in board.trend
        ],
        "ranking": [
            {
                "org": r.org.pk,
                "name": r.org.display_name,
                "hours": r.hours,
                "events": r.events,
                "needs_solved": r.needs_solved,
            }
            for r in board.ranking
        ],
        "gap": board.gap_majors,
    }

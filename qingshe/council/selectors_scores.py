"""月评月考: each month every class branch and volunteer team gets a score from its evaluations
(self, peer, residents, community) and from its monthly work feedback forms, and is ranked within
its department and its district. The figures feed commendations (reports reads them from here).

The score (0–100, one decimal), written once here:
- evaluations: the mean of the month's scores (1–5) as a share of 5, weighted 70 (no evaluation: 0);
- feedback forms: for a unit of active pairings, the mean over those pairings of 30 for a
  confirmed form, 20 waiting, 10 returned, 0 missing, less 5 when late; a unit without an active
  pairing is scored on its evaluations alone (scaled to 100).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count

from qingshe.core import access
from qingshe.core.timeutil import month_bounds
from qingshe.council.models import Evaluation, FeedbackForm
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.programmes.models import Pairing

SCORED_KINDS = (OrgKind.CLASS_BRANCH, OrgKind.VOLUNTEER_TEAM)
FORM_POINTS = {
    FeedbackForm.State.CONFIRMED: Decimal(30),
    FeedbackForm.State.SUBMITTED: Decimal(20),
    FeedbackForm.State.RETURNED: Decimal(10),
}
LATE_PENALTY = Decimal(5)
ONE = Decimal("0.1")


@dataclass
class Score:
    org: Organisation
    evaluations: int
    mean: Decimal | None
    forms_points: Decimal | None
    score: Decimal
    department: Organisation | None = None
    district: Organisation | None = None
    rank_in_department: int = 0
    rank_in_district: int = 0


def _q(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


def monthly_scores(*, user: Any, year: int, month: int) -> list[Score]:
    """Scores of the branches and teams `user` looks after, best first, with their ranks."""
    orgs = list(
        Organisation.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["evaluation.view"]),
            kind__in=SCORED_KINDS,
            is_active=True,
        ).order_by("path")
    )
    return scores_of(orgs, year, month)


def mean_scores(org_ids: list[int], first: date, last: date) -> dict[int, Decimal]:
    """The mean monthly score of each of these branches or teams over the calendar months from
    `first` to `last` (the last 12 at most), for the commendation ranking (credit's
    team_ranking). Units without a score are left out."""
    orgs = list(Organisation.objects.filter(pk__in=org_ids, kind__in=SCORED_KINDS).order_by("path"))
    months: list[tuple[int, int]] = []
    y, m = last.year, last.month
    while (y, m) >= (first.year, first.month) and len(months) < 12:
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    if not orgs or not months:
        return {}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for year, month in months:
        for score in scores_of(orgs, year, month):
            totals[score.org.pk] += score.score
    return {pk: _q(total / len(months)) for pk, total in totals.items()}


def scores_of(orgs: list[Organisation], year: int, month: int) -> list[Score]:
    """The month's scores of these branches and teams, best first, ranked in their department
    and district."""
    start, end = month_bounds(year, month)
    ids = [o.pk for o in orgs]
    evals = {
        row["subject_org_id"]: row
        for row in Evaluation.objects.filter(subject_org_id__in=ids, at__gte=start, at__lt=end)
        .values("subject_org_id")
        .annotate(n=Count("pk"), mean=Avg("score"))
    }
    pairings: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id in Pairing.objects.filter(
        unit_id__in=ids, state=Pairing.State.ACTIVE, started_at__lt=end
    ).values_list("pk", "unit_id"):
        pairings[unit_id].append(pk)
    forms = {
        f.pairing_id: f
        for f in FeedbackForm.objects.filter(
            pairing_id__in=[p for ps in pairings.values() for p in ps], month=date(year, month, 1)
        )
    }
    ancestors = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in={a for o in orgs for a in o.ancestor_ids()},
            kind__in=(OrgKind.DEPARTMENT_COMMITTEE, OrgKind.DISTRICT_COMMITTEE),
        )
    }
    scores = []
    for org in orgs:
        row = evals.get(org.pk)
        mean = _q(Decimal(str(row["mean"]))) if row else None
        eval_share = (Decimal(str(row["mean"])) / 5) if row else Decimal(0)
        mine = pairings.get(org.pk, [])
        if mine:
            points = []
            for pk in mine:
                form = forms.get(pk)
                p = FORM_POINTS.get(form.state, Decimal(0)) if form else Decimal(0)
                if form is not None and form.is_late:
                    p = max(Decimal(0), p - LATE_PENALTY)
                points.append(p)
            forms_points = sum(points, Decimal(0)) / len(points)
            score = eval_share * 70 + forms_points
        else:
            forms_points = None
            score = eval_share * 100
        up = [ancestors[a] for a in org.ancestor_ids() if a in ancestors]
        scores.append(
            Score(
                org=org,
                evaluations=row["n"] if row else 0,
                mean=mean,
                forms_points=_q(forms_points) if forms_points is not None else None,
                score=_q(score),
                department=next((a for a in up if a.kind == OrgKind.DEPARTMENT_COMMITTEE), None),
                district=next((a for a in up if a.kind == OrgKind.DISTRICT_COMMITTEE), None),
            )
        )
    scores.sort(key=lambda s: (-s.score, s.org.path))
    for attr, rank_attr in (("department", "rank_in_department"), ("district", "rank_in_district")):
        seen: dict[Any, int] = defaultdict(int)
        for s in scores:
            group = getattr(s, attr)
            if group is not None:
                seen[group.pk] += 1
                setattr(s, rank_attr, seen[group.pk])
    return scores

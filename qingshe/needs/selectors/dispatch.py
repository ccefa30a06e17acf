"""Reads of dispatch that depend on who asks.

* Plans: visible to whoever dispatches for the plan's scope (`need.dispatch` over it: the league
  committees above, the community's league secretary); everyone else gets NotFound.
* Offers and assignments: a volunteer sees their own.
* Open-claim needs: a student sees those of communities in the city of their university, with
  places left, that they are not already on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.models import StudentProfile
from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.needs.dispatch import adapter, explain
from qingshe.needs.models import DispatchPlan, DispatchPlanLine, Need, NeedAssignment

__all__ = [
    "OfferRow",
    "PlanGroup",
    "PlanView",
    "assignment_get_for_volunteer",
    "dispatch_plans_for_user",
    "offer_on_need_for_user",
    "OfferLine",
    "offer_page_lines",
    "offer_rows",
    "offers_for_user",
    "open_claims_for_user",
    "plan_get_for_user",
    "plan_line_get",
    "plan_view",
    "volunteer_in_scope",
]

A = NeedAssignment.State


def _plans_q(user: Any) -> Q:
    return access.subtree_q(user, access.ORG_ACTIONS["need.dispatch"], prefix="scope__")


def dispatch_plans_for_user(*, user: Any, state: str = "") -> QuerySet[DispatchPlan]:
    qs = (
        DispatchPlan.objects.filter(_plans_q(user))
        .select_related("scope", "created_by")
        .annotate(
            line_count=Count("lines", filter=Q(lines__included=True), distinct=True),
        )
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-pk")


def plan_get_for_user(*, user: Any, plan_id: int) -> DispatchPlan:
    plan = (
        DispatchPlan.objects.filter(_plans_q(user), pk=plan_id)
        .select_related("scope", "created_by", "applied_by")
        .first()
    )
    if plan is None:
        raise NotFound("not_found", _("No such dispatch plan."))
    return plan


def plan_line_get(*, plan: DispatchPlan, line_id: int) -> DispatchPlanLine:
    line = (
        DispatchPlanLine.objects.filter(plan=plan, pk=line_id)
        .select_related("plan", "need", "volunteer")
        .first()
    )
    if line is None:
        raise NotFound("not_found", _("No such line in this plan."))
    return line


@dataclass
class PlanGroup:
    """One need of a plan: its lines (with reasons in words) and, when short, the causes."""

    need: Need
    lines: list[DispatchPlanLine] = field(default_factory=list)
    wanted: int = 0
    filled: int = 0
    causes: list[str] = field(default_factory=list)
    cause_items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def included(self) -> int:
        return sum(1 for ln in self.lines if ln.included)


@dataclass
class PlanView:
    plan: DispatchPlan
    groups: list[PlanGroup]
    unfilled: list[PlanGroup]

    @property
    def line_count(self) -> int:
        return sum(len(g.lines) for g in self.groups)

    @property
    def included_count(self) -> int:
        return sum(g.included for g in self.groups)


def plan_view(*, plan: DispatchPlan) -> PlanView:
    """The plan's lines grouped by need (reasons in words on each line as `.reason_texts`), and
    the needs left short with their causes in words. Three queries."""
    lines = list(
        plan.lines.select_related("need__community", "volunteer").order_by(
            "need_id", "starts_at", "-score", "pk"
        )
    )
    short = {int(u["need"]): u for u in plan.unfilled or []}
    missing = set(short) - {ln.need_id for ln in lines}
    needs = {n.pk: n for n in Need.objects.filter(pk__in=missing).select_related("community")}
    groups: dict[int, PlanGroup] = {}
    plan.state_text = explain.plan_state_label(plan.state)  # type: ignore[attr-defined]
    for ln in lines:
        ln.reason_texts = explain.reasons(ln.reasons)  # type: ignore[attr-defined]
        ln.when = explain.when_text(ln.starts_at, ln.ends_at)  # type: ignore[attr-defined]
        groups.setdefault(ln.need_id, PlanGroup(need=ln.need)).lines.append(ln)
    for need_id, entry in short.items():
        need = groups[need_id].need if need_id in groups else needs.get(need_id)
        if need is None:
            continue
        group = groups.setdefault(need_id, PlanGroup(need=need))
        group.wanted, group.filled = int(entry.get("wanted", 0)), int(entry.get("filled", 0))
        group.cause_items = list(entry.get("causes") or [])
        group.causes = explain.causes(group.cause_items)
    ordered = sorted(
        groups.values(), key=lambda g: (g.need.community.name, g.need.title, g.need.pk)
    )
    return PlanView(plan=plan, groups=ordered, unfilled=[g for g in ordered if g.need.pk in short])


def volunteer_in_scope(*, plan: DispatchPlan, identifier: str) -> Any:
    """A volunteer of the plan's area typed as a volunteer number or a mobile number."""
    identifier = (identifier or "").strip().replace(" ", "")
    if not identifier:
        return None
    profiles = adapter.scope_students(
        plan.scope, on_day=timezone.localtime(plan.horizon_start).date()
    )
    return (
        get_user_model()
        .objects.filter(pk__in=profiles.values("user_id"))
        .filter(
            Q(volunteer_no=identifier)
            | Q(phone=identifier)
            | Q(phone=identifier.removeprefix("+86"))
        )
        .first()
    )


# --- the volunteer's side -----------------------------------------------------------------------
@dataclass
class OfferRow:
    assignment: NeedAssignment
    reasons: list[str]

    @property
    def need(self) -> Need:
        return self.assignment.need


def offers_for_user(
    *, user: Any, states: tuple[str, ...] = (A.OFFERED, A.ACCEPTED)
) -> QuerySet[NeedAssignment]:
    """The person's own assignments in `states`: waiting offers first, soonest first."""
    return (
        NeedAssignment.objects.filter(volunteer_id=getattr(user, "pk", None), state__in=states)
        .select_related("need__community", "plan")
        .order_by("state", "starts_at", "pk")
    )


def offer_rows(assignments: Any) -> list[OfferRow]:
    rows = []
    for a in assignments:
        a.when = explain.when_text(a.starts_at, a.ends_at)
        rows.append(OfferRow(assignment=a, reasons=explain.reasons(a.reasons)))
    return rows


@dataclass(slots=True)
class OfferLine:
    """One offer as the volunteer's offers page shows it, read without model instances (see
    offer_page_lines). The view fills in the URLs and, after a failed decline, the bound form."""

    pk: int
    state: str
    source: str
    starts_at: datetime
    ends_at: datetime
    title: str
    where: str
    when: str
    reasons: list[str]
    ref: str = ""  # the pk as text, for ids and names in the page
    accept_url: str = ""
    decline_url: str = ""
    withdraw_url: str = ""
    form: Any = None
    open: bool = False


def offer_page_lines(*, user: Any) -> list[OfferLine]:
    """The person's offered and accepted assignments, in the order of offers_for_user, as the
    offers page shows them: the need's title, when and where in words (online, or the community
    with the address), the reasons in words. One query reading only those columns."""
    online = _("Online, wherever you are")
    rows = (
        NeedAssignment.objects.filter(
            volunteer_id=getattr(user, "pk", None), state__in=(A.OFFERED, A.ACCEPTED)
        )
        .order_by("state", "starts_at", "pk")
        .values_list(
            "pk",
            "state",
            "source",
            "starts_at",
            "ends_at",
            "reasons",
            "need__title",
            "need__is_remote",
            "need__address",
            "need__community__name",
        )
    )
    return [
        OfferLine(
            pk=pk,
            state=state,
            source=source,
            starts_at=starts_at,
            ends_at=ends_at,
            title=title,
            where=online if remote else f"{community} · {address}" if address else community,
            when=explain.when_text(starts_at, ends_at),
            reasons=explain.reasons(reasons),
            ref=str(pk),
        )
        for pk, state, source, starts_at, ends_at, reasons, title, remote, address, community in rows
    ]


def assignment_get_for_volunteer(*, user: Any, assignment_id: int) -> NeedAssignment:
    assignment = (
        NeedAssignment.objects.filter(volunteer_id=getattr(user, "pk", None), pk=assignment_id)
        .select_related("need__community", "plan", "volunteer")
        .first()
    )
    if assignment is None:
        raise NotFound("not_found", _("No such offer."))
    return assignment


def offer_on_need_for_user(
    *, user: Any, need_id: int, states: tuple[str, ...] = (A.OFFERED, A.ACCEPTED)
) -> NeedAssignment:
    """The person's live place on a need (for /needs/{id}/accept, /decline): NotFound otherwise."""
    assignment = (
        NeedAssignment.objects.filter(
            volunteer_id=getattr(user, "pk", None), need_id=need_id, state__in=states
        )
        .select_related("need__community", "plan", "volunteer")
        .order_by("-created_at")
        .first()
    )
    if assignment is None:
        raise NotFound("not_found", _("You have no offer on this need."))
    return assignment


def open_claims_for_user(*, user: Any) -> QuerySet[Need]:
    """Open-claim needs a student may take (抢单): in the city of their university, staffable,
    with places left, not already theirs. Most urgent first, then the soonest window."""
    profile = (
        StudentProfile.objects.filter(user_id=getattr(user, "pk", None))
        .select_related("university")
        .first()
    )
    if profile is None:
        return Need.objects.none()
    now = timezone.now()
    mine = NeedAssignment.objects.filter(
        volunteer_id=user.pk, state__in=NeedAssignment.HOLDING_STATES
    ).values("need_id")
    return (
        Need.objects.filter(
            open_claim=True,
            is_bounty=False,
            state__in=Need.STAFFABLE_STATES,
            community__path__startswith=f"/{profile.university.city_id}/",
        )
        .exclude(pk__in=mine)
        .select_related("community")
        .annotate(
            held=Count(
                "assignments",
                filter=Q(assignments__state__in=NeedAssignment.HOLDING_STATES),
                distinct=True,
            ),
            next_window=Min("windows__starts_at", filter=Q(windows__ends_at__gt=now)),
        )
        .filter(held__lt=F("people_needed"))
        .order_by("-urgency", "next_window", "pk")
    )

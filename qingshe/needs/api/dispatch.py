"""API: dispatch (团团派单 — 青年接单).

Thin endpoints: objects named in the path or body are found through the selectors (404
`not_found` for anything outside the caller's view), then one service is called; its errors reach
the client with their status — 403 `forbidden`; 409 `plan_already_applied`, `plan_stale` (naming
what changed; nothing is written), `plan_discarded`, `offer_closed`, `offer_expired`,
`need_full`, `not_open_claim`, `already_assigned`; 422 `invalid_scope`, `invalid_horizon`,
`horizon_too_long`, `invalid_weight`, `plan_empty`, `reason_required`, and the hard constraints'
codes (`in_class`, `overlap`, `outside_window`, `over_cap`, `training_missing`,
`insurance_missing`, `too_far`, `not_in_scope`, …). Reasons and causes come with their text in
the request's language.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from qingshe.accounts.models import User
from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.needs import selectors, services
from qingshe.needs.models import DispatchPlan, Need, NeedAssignment
from qingshe.needs.schemas_dispatch import (
    DispatchAssignmentOut,
    DispatchClaimIn,
    DispatchClaimOut,
    DispatchDeclineIn,
    DispatchDirectIn,
    DispatchLineAddIn,
    DispatchLineOut,
    DispatchLineSetIn,
    DispatchOffersFilter,
    DispatchOpenNeedOut,
    DispatchPlanFilter,
    DispatchPlanIn,
    DispatchPlanOut,
    DispatchPlanSummaryOut,
    DispatchWithdrawIn,
    causes_out,
)
from qingshe.orgs import selectors as org_selectors

router = Router(tags=["dispatch"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _with_field(exc: NotFound, field: str) -> NotFound:
    exc.field = field
    return exc


def _plan_out(plan: DispatchPlan) -> DispatchPlan:
    """The plan with its lines and unfilled needs, as DispatchPlanOut reads them."""
    view = selectors.plan_view(plan=plan)
    plan.lines_out = [line for group in view.groups for line in group.lines]  # type: ignore[attr-defined]
    plan.unfilled_out = [  # type: ignore[attr-defined]
        {
            "need": g.need.pk,
            "need_title": g.need.title,
            "community": g.need.community.name,
            "wanted": g.wanted,
            "filled": g.filled,
            "causes": causes_out(g.cause_items),
        }
        for g in view.unfilled
    ]
    return plan


def _plan(request: HttpRequest, plan_id: int) -> DispatchPlan:
    return selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)


# --- plans --------------------------------------------------------------------------------------
@router.post(
    "/dispatch/plan",
    response={201: DispatchPlanOut, **error_responses(401, 403, 404, 422)},
    summary="Propose a dispatch plan (who serves which need, and why)",
)
def plan_create(request: HttpRequest, payload: DispatchPlanIn) -> Any:
    """By the league committees above the area and the community's league secretary. Returns the
    proposal: for every assignment the reasons (shared free window, matched skills, distance…),
    for every need left short the causes (nobody free in that window, nobody trained…). 404
    `not_found` (field `scope`) for an area the caller cannot see."""
    user = _user(request)
    try:
        scope = org_selectors.org_get_for_user(user=user, org_id=payload.scope)
    except NotFound as exc:
        raise _with_field(exc, "scope") from None
    plan = services.dispatch_plan_create(
        actor=user,
        scope=scope,
        horizon_start=payload.horizon_start,
        horizon_end=payload.horizon_end,
        weights=payload.weights,
    )
    return Status(201, _plan_out(_plan(request, plan.pk)))


@router.get(
    "/dispatch/plans",
    response={200: list[DispatchPlanSummaryOut], **error_responses(401, 422)},
    summary="Dispatch plans the caller may see",
)
@paginate
def plan_list(request: HttpRequest, filters: Query[DispatchPlanFilter]) -> Any:
    """Plans of the areas the caller dispatches for, newest first."""
    return selectors.dispatch_plans_for_user(user=_user(request), state=filters.state or "")


@router.get(
    "/dispatch/plan/{plan_id}",
    response={200: DispatchPlanOut, **error_responses(401, 404, 422)},
    summary="One plan with its lines and unfilled needs",
)
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    return _plan_out(_plan(request, plan_id))


@router.post(
    "/dispatch/plan/{plan_id}/lines/{line_id}",
    response={200: DispatchLineOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Include or exclude a line of a proposed plan",
)
def line_set(request: HttpRequest, plan_id: int, line_id: int, payload: DispatchLineSetIn) -> Any:
    """A line put back is checked again with the plan's other included lines (409 with the
    constraint's code when it no longer fits)."""
    plan = _plan(request, plan_id)
    line = selectors.plan_line_get(plan=plan, line_id=line_id)
    services.plan_line_set_included(actor=_user(request), line=line, included=payload.included)
    return selectors.plan_line_get(plan=plan, line_id=line_id)


@router.post(
    "/dispatch/plan/{plan_id}/lines",
    response={201: DispatchLineOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Add a person by hand to a proposed plan",
)
def line_add(request: HttpRequest, plan_id: int, payload: DispatchLineAddIn) -> Any:
    """The dispatcher's own choice, checked like the engine's lines. 404 (field `need` or
    `volunteer`) for a need or person the caller cannot name here."""
    user = _user(request)
    plan = _plan(request, plan_id)
    need = (
        Need.objects.filter(pk=payload.need, community__path__startswith=plan.scope.path)
        .select_related("community")
        .first()
    )
    if need is None:
        raise NotFound("not_found", _("This need is not in the plan's area."), field="need")
    volunteer = User.objects.filter(pk=payload.volunteer, is_active=True).first()
    if volunteer is None:
        raise NotFound("not_found", _("No such volunteer."), field="volunteer")
    line = services.plan_line_add(
        actor=user, plan=plan, need=need, volunteer=volunteer, starts_at=payload.starts_at
    )
    return Status(201, selectors.plan_line_get(plan=plan, line_id=line.pk))


@router.post(
    "/dispatch/plan/{plan_id}/apply",
    response={200: list[DispatchAssignmentOut], **error_responses(401, 403, 404, 409, 422)},
    summary="Apply a plan: send the offers (one transaction)",
)
def plan_apply(request: HttpRequest, plan_id: int) -> Any:
    """Every included line is checked again against the database now; one that no longer fits
    refuses the whole plan with 409 `plan_stale` naming what changed, and nothing is written.
    Applied twice: 409 `plan_already_applied`."""
    offers = services.dispatch_plan_apply(actor=_user(request), plan=_plan(request, plan_id))
    return list(
        NeedAssignment.objects.filter(pk__in=[o.pk for o in offers])
        .select_related("need__community")
        .order_by("pk")
    )


@router.post(
    "/dispatch/plan/{plan_id}/discard",
    response={200: DispatchPlanSummaryOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Discard a proposed plan",
)
def plan_discard(request: HttpRequest, plan_id: int) -> Any:
    return services.dispatch_plan_discard(actor=_user(request), plan=_plan(request, plan_id))


# --- one need -----------------------------------------------------------------------------------
def _dispatchable_need(request: HttpRequest, need_id: int) -> Need:
    need = Need.objects.filter(pk=need_id).select_related("community").first()
    if need is None or not services.can_dispatch(_user(request), need.community):
        raise NotFound("not_found", _("This need does not exist."))
    return need


@router.post(
    "/needs/{need_id}/dispatch",
    response={201: list[DispatchAssignmentOut], **error_responses(401, 403, 404, 409, 422)},
    summary="Dispatch a need to named volunteers",
)
def need_dispatch(request: HttpRequest, need_id: int, payload: DispatchDirectIn) -> Any:
    """By whoever dispatches for the need's community (404 for others). The same checks as
    applying a plan; a person who does not fit refuses the request with that constraint's code
    (422) and nothing is written."""
    user = _user(request)
    need = _dispatchable_need(request, need_id)
    people = list(User.objects.filter(pk__in=payload.volunteers, is_active=True))
    missing = set(payload.volunteers) - {p.pk for p in people}
    if missing:
        raise ValidationFailed(
            "not_in_scope",
            _("No such volunteer: %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))},
            field="volunteers",
        )
    offers = services.need_dispatch_direct(
        actor=user, need=need, volunteers=people, starts_at=payload.starts_at
    )
    return Status(
        201,
        list(
            NeedAssignment.objects.filter(pk__in=[o.pk for o in offers])
            .select_related("need__community")
            .order_by("pk")
        ),
    )


def _my_offer(request: HttpRequest, need_id: int, states: tuple[str, ...]) -> NeedAssignment:
    return selectors.offer_on_need_for_user(user=_user(request), need_id=need_id, states=states)


@router.post(
    "/needs/{need_id}/accept",
    response={200: DispatchAssignmentOut, **error_responses(401, 404, 409, 422)},
    summary="Accept my offer on this need (接单)",
)
def offer_accept(request: HttpRequest, need_id: int) -> Any:
    """The volunteer takes the place: the need is in progress, and the volunteer is on the need's
    duty shift (check in there). Duty's refusals (training, insurance, another shift at that
    time) come back with their code and nothing changes. 404 without an offer on the need."""
    offer = _my_offer(
        request, need_id, (NeedAssignment.State.OFFERED, NeedAssignment.State.ACCEPTED)
    )
    services.assignment_accept(actor=_user(request), assignment=offer)
    return selectors.assignment_get_for_volunteer(user=_user(request), assignment_id=offer.pk)


@router.post(
    "/needs/{need_id}/decline",
    response={200: DispatchAssignmentOut, **error_responses(401, 404, 409, 422)},
    summary="Decline my offer on this need, saying why",
)
def offer_decline(request: HttpRequest, need_id: int, payload: DispatchDeclineIn) -> Any:
    """The place re-opens (the need goes back to accepted when no offer is left) and the
    dispatcher is told. 422 `reason_required`."""
    offer = _my_offer(request, need_id, (NeedAssignment.State.OFFERED,))
    services.assignment_decline(actor=_user(request), assignment=offer, reason=payload.reason)
    return selectors.assignment_get_for_volunteer(user=_user(request), assignment_id=offer.pk)


@router.post(
    "/needs/{need_id}/withdraw",
    response={200: DispatchAssignmentOut, **error_responses(401, 404, 409, 422)},
    summary="Give up my place on this need before it starts",
)
def offer_withdraw(request: HttpRequest, need_id: int, payload: DispatchWithdrawIn) -> Any:
    offer = _my_offer(
        request, need_id, (NeedAssignment.State.OFFERED, NeedAssignment.State.ACCEPTED)
    )
    services.assignment_withdraw(actor=_user(request), assignment=offer, reason=payload.reason)
    return selectors.assignment_get_for_volunteer(user=_user(request), assignment_id=offer.pk)


@router.post(
    "/needs/{need_id}/claim",
    response={201: DispatchClaimOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Claim a need: a place on an open-claim need (抢单), or a bounty (揭榜)",
)
def need_claim(request: HttpRequest, need_id: int, payload: DispatchClaimIn) -> Any:
    """Open-claim need: a student takes a place, first come first served (409 `need_full`), at
    `starts_at` or the first time they can serve. Bounty: a university or department admin takes
    it up for `claimant` (required), optionally naming who carries it out."""
    user = _user(request)
    need = Need.objects.filter(pk=need_id).select_related("community").first()
    if need is None:
        raise NotFound("not_found", _("This need does not exist."))
    if need.is_bounty:
        from qingshe.needs.services.bounties import bounty_claim

        if payload.claimant is None:
            raise ValidationFailed(
                "claimant_required",
                _("Name the university or department taking it up."),
                field="claimant",
            )
        orgs = {}
        for field in ("claimant", "assigned_org"):
            org_id = getattr(payload, field)
            if org_id is not None:
                try:
                    orgs[field] = org_selectors.org_get_for_user(user=user, org_id=org_id)
                except NotFound as exc:
                    raise _with_field(exc, field) from None
        group = None
        if payload.group is not None:
            try:
                group = selectors.group_get_for_user(user=user, group_id=payload.group)
            except NotFound as exc:
                raise _with_field(exc, "group") from None
        claim = bounty_claim(
            actor=user,
            need=need,
            claimant=orgs["claimant"],
            assigned_org=orgs.get("assigned_org"),
            group=group,
            plan=payload.plan,
        )
        return Status(201, {"kind": "bounty", "bounty_claim": claim})
    assignment = services.need_grab(actor=user, need=need, starts_at=payload.starts_at)
    return Status(
        201,
        {
            "kind": "open_claim",
            "assignment": selectors.assignment_get_for_volunteer(
                user=user, assignment_id=assignment.pk
            ),
        },
    )


# --- the volunteer's lists ----------------------------------------------------------------------
@router.get(
    "/me/offers",
    response={200: list[DispatchAssignmentOut], **error_responses(401, 422)},
    summary="My offers and places (派单, 抢单)",
)
@paginate
def my_offers(request: HttpRequest, filters: Query[DispatchOffersFilter]) -> Any:
    """Waiting offers first, then accepted places; soonest first. `state` picks one state."""
    states = (
        (filters.state,)
        if filters.state in NeedAssignment.State.values
        else NeedAssignment.LIVE_STATES
    )
    if filters.state and filters.state not in NeedAssignment.State.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="state"
        )
    return selectors.offers_for_user(user=_user(request), states=tuple(states))


@router.get(
    "/dispatch/claims",
    response={200: list[DispatchOpenNeedOut], **error_responses(401, 422)},
    summary="Needs open to claim (抢单) that I may take",
)
@paginate
def open_claims(request: HttpRequest) -> Any:
    return selectors.open_claims_for_user(user=_user(request))

"""API of points (`/me/points`), rewards (`/rewards`, `/rewards/{id}/redeem`), redemptions
(`/redemptions`, hand over, cancel), venues and bookings, campaigns and pledges, partners and the
earning rules. Mounted under credit's router (credit/api.py).

Endpoints are thin: selectors scope (404 `not_found` outside the caller's view) and the same
services as the pages write; a service's refusal (`not_enough_points`, `limit_reached`,
`expired`, `other_city`, `out_of_stock`, `outside_opening_hours`, `overlap`,
`amount_not_positive`, `points_not_positive`…) reaches the client as it is, nothing written.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate as ninja_paginate

from qingshe.api.pagination import PagePagination, paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.credit import selectors_points as sel
from qingshe.credit import services_circle, services_points, services_rewards, services_venues
from qingshe.credit.models import Pledge, VenueBooking
from qingshe.credit.schemas_points import (
    ApplicationIn,
    ApplicationOut,
    BookingIn,
    BookingOut,
    CampaignIn,
    CampaignOut,
    CommendationIn,
    CommendationOut,
    DecideIn,
    PartnerDetailOut,
    PartnerOut,
    PledgeIn,
    PledgeOut,
    PointsLineOut,
    RankedOut,
    ReasonIn,
    RedemptionOut,
    RewardIn,
    RewardOut,
    RuleIn,
    RuleOut,
    VenueIn,
    VenueOut,
)
from qingshe.orgs.models import Organisation

router = Router(tags=["points"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _org(pk: int, field: str, missing: str) -> Organisation:
    """The organisation a payload names (the service checks what the caller may do with it);
    404 `not_found` on `field` when there is none."""
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        raise NotFound("not_found", missing, field=field)
    return org


# --- my points ----------------------------------------------------------------------------------
class PointsPagination(PagePagination):
    class Output(PagePagination.Output):
        balance: int = Field(..., description="The caller's balance (all movements).")
        earned: int = Field(..., description="Points ever earned.")
        spent: int = Field(..., description="Points spent (net of returns and reversals).")

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | list[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        mine = sel.my_points(user=_user(request), limit=0)
        page.update(balance=mine.balance, earned=mine.earned, spent=mine.spent)
        return page


@router.get(
    "/me/points",
    response={200: list[PointsLineOut], **error_responses(401, 422)},
    summary="My points: balance and movements (志愿积分)",
    tags=["me"],
)
@ninja_paginate(PointsPagination)
def my_points(request: HttpRequest) -> Any:
    """Every movement of the caller's points account, newest first, with its reason, the rule
    that paid it and its source; `balance` is the sum."""
    return sel.lines_of(user=_user(request))


# --- rewards ------------------------------------------------------------------------------------
class RewardFilter(Schema):
    q: str = Field("", description="Words in the title or the partner's name.")
    partner: int | None = Field(None, description="Only this partner unit's rewards.")
    affordable: bool = Field(False, description="Only those the caller can redeem now.")


@router.get(
    "/rewards",
    response={200: list[RewardOut], **error_responses(401, 422)},
    summary="The reward shop (积分兑换)",
)
@paginate
def reward_list(request: HttpRequest, filters: Query[RewardFilter]) -> Any:
    """Rewards listed in the caller's city and redeemable today or later, cheapest first."""
    return sel.rewards_for_user(
        user=_user(request), q=filters.q, partner_id=filters.partner, affordable=filters.affordable
    )


@router.post(
    "/rewards",
    response={201: RewardOut, **error_responses(401, 403, 404, 422)},
    summary="Put up a reward (partners)",
)
def reward_create(request: HttpRequest, payload: RewardIn) -> Any:
    partner = _org(payload.partner, "partner", _("No such partner unit."))
    data = payload.dict(exclude={"partner"})
    return Status(
        201, services_rewards.reward_create(actor=_user(request), partner=partner, **data)
    )


@router.get(
    "/rewards/{reward_id}",
    response={200: RewardOut, **error_responses(401, 404)},
    summary="A reward",
)
def reward_get(request: HttpRequest, reward_id: int) -> Any:
    return sel.reward_get_for_user(user=_user(request), reward_id=reward_id)


@router.post(
    "/rewards/{reward_id}/redeem",
    response={201: RedemptionOut, **error_responses(401, 403, 404, 409)},
    summary="Redeem a reward for points",
)
def reward_redeem(request: HttpRequest, reward_id: int) -> Any:
    """Spend the reward's price; answers the redemption with its code. 409 `not_enough_points`,
    `limit_reached` (per person), `expired`, `not_yet_valid`, `out_of_stock`, `withdrawn`; 403
    `other_city` for a reward of another city. Nothing is written when refused."""
    reward = sel.reward_for_redeeming(reward_id=reward_id)
    return Status(201, services_rewards.reward_redeem(actor=_user(request), reward=reward))


# --- redemptions --------------------------------------------------------------------------------
class RedemptionFilter(Schema):
    state: str = Field("", description="`issued`, `handed_over` or `cancelled`.")
    partner: int | None = Field(None, description="A partner unit's redemptions (its managers).")


@router.get(
    "/redemptions",
    response={200: list[RedemptionOut], **error_responses(401, 404, 422)},
    summary="Redemptions: mine, or a partner's",
)
@paginate
def redemption_list(request: HttpRequest, filters: Query[RedemptionFilter]) -> Any:
    user = _user(request)
    if filters.partner is not None:
        partner = Organisation.objects.filter(pk=filters.partner).first()
        if partner is None:
            raise NotFound("not_found", _("No such partner unit."), field="partner")
        return sel.partner_redemptions(user=user, partner=partner, state=filters.state)
    return sel.my_redemptions(user=user, state=filters.state)


@router.get(
    "/redemptions/{code}",
    response={200: RedemptionOut, **error_responses(401, 404)},
    summary="A redemption by its code",
)
def redemption_get(request: HttpRequest, code: str) -> Any:
    return sel.redemption_get_for_user(user=_user(request), code=code)


@router.post(
    "/redemptions/{code}/hand-over",
    response={200: RedemptionOut, **error_responses(401, 404, 409)},
    summary="Hand the reward over (partners)",
)
def redemption_hand_over(request: HttpRequest, code: str) -> Any:
    redemption = sel.redemption_get_for_user(user=_user(request), code=code)
    return services_rewards.redemption_hand_over(actor=_user(request), redemption=redemption)


@router.post(
    "/redemptions/{code}/cancel",
    response={200: RedemptionOut, **error_responses(401, 404, 409, 422)},
    summary="Cancel a redemption: points and stock return",
)
def redemption_cancel(request: HttpRequest, code: str, payload: ReasonIn) -> Any:
    redemption = sel.redemption_get_for_user(user=_user(request), code=code)
    return services_rewards.redemption_cancel(
        actor=_user(request), redemption=redemption, reason=payload.reason
    )


# --- venues -------------------------------------------------------------------------------------
class VenueFilter(Schema):
    kind: str = ""
    q: str = ""


@router.get(
    "/venues", response={200: list[VenueOut], **error_responses(401, 422)}, summary="Venues (阵地)"
)
@paginate
def venue_list(request: HttpRequest, filters: Query[VenueFilter]) -> Any:
    return sel.venues_for_user(user=_user(request), kind=filters.kind, q=filters.q)


class BookingFilter(Schema):
    week: str = Field(
        "", description="Any day of the week to show (YYYY-MM-DD); default this week."
    )


@router.get(
    "/venues/{venue_id}/bookings",
    response={200: list[BookingOut], **error_responses(401, 404, 422)},
    summary="A venue's live bookings in a week",
)
@paginate
def venue_bookings(request: HttpRequest, venue_id: int, filters: Query[BookingFilter]) -> Any:
    venue = sel.venue_get_for_user(user=_user(request), venue_id=venue_id)
    try:
        day = (
            datetime.strptime(filters.week, "%Y-%m-%d").date()
            if filters.week
            else timezone.localdate()
        )
    except ValueError:
        raise ValidationFailed(
            "invalid_date", _("Give the week as a date, YYYY-MM-DD."), field="week"
        ) from None
    start = timezone.make_aware(datetime.combine(day - timedelta(days=day.weekday()), time.min))
    return VenueBooking.objects.filter(
        venue=venue,
        state=VenueBooking.State.BOOKED,
        starts_at__lt=start + timedelta(days=7),
        ends_at__gt=start,
    ).order_by("starts_at", "pk")


@router.post(
    "/venues/{venue_id}/bookings",
    response={201: BookingOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Book a slot of a venue",
)
def venue_book(request: HttpRequest, venue_id: int, payload: BookingIn) -> Any:
    """For an activity you organise or a project group you run. 422 `outside_opening_hours`,
    `over_capacity`, `in_the_past`; 409 `overlap` with another booking."""
    user = _user(request)
    venue = sel.venue_get_for_user(user=user, venue_id=venue_id)
    activity = group = None
    if payload.activity is not None:
        activity = sel.activities_run_by(user=user).filter(pk=payload.activity).first()
        if activity is None:
            raise NotFound("not_found", _("No such activity."), field="activity")
    if payload.group is not None:
        group = sel.groups_run_by(user=user).filter(pk=payload.group).first()
        if group is None:
            raise NotFound("not_found", _("No such project group."), field="group")
    booking = services_venues.booking_create(
        actor=user,
        venue=venue,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        purpose=payload.purpose,
        people=payload.people,
        activity=activity,
        group=group,
    )
    return Status(201, booking)


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **error_responses(401, 404, 409, 422)},
    summary="Cancel a booking",
)
def booking_cancel(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Any:
    booking = sel.booking_get_for_user(user=_user(request), booking_id=booking_id)
    return services_venues.booking_cancel(
        actor=_user(request), booking=booking, reason=payload.reason
    )


# --- campaigns ----------------------------------------------------------------------------------
class CampaignFilter(Schema):
    state: str = Field("", description="`open` or `closed`; empty for all.")


@router.get(
    "/campaigns",
    response={200: list[CampaignOut], **error_responses(401, 422)},
    summary="Crowdfunding (众筹)",
)
@paginate
def campaign_list(request: HttpRequest, filters: Query[CampaignFilter]) -> Any:
    return sel.campaigns_for_user(user=_user(request), state=filters.state)


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, **error_responses(401, 404)},
    summary="A campaign",
)
def campaign_get(request: HttpRequest, campaign_id: int) -> Any:
    return sel.campaign_get_for_user(user=_user(request), campaign_id=campaign_id)


@router.post(
    "/campaigns/{campaign_id}/pledges",
    response={201: PledgeOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Pledge money or support in kind",
)
def pledge_make(request: HttpRequest, campaign_id: int, payload: PledgeIn) -> Any:
    """Recorded, not paid. 422 `amount_not_positive` for zero or less, `description_required`
    in kind; 409 `campaign_closed`."""
    user = _user(request)
    campaign = sel.campaign_get_for_user(user=user, campaign_id=campaign_id)
    partner = None
    if payload.partner is not None:
        partner = _org(payload.partner, "partner", _("No such partner unit."))
    pledge = services_circle.pledge_make(
        actor=user,
        campaign=campaign,
        kind=payload.kind,
        amount=payload.amount,
        description=payload.description,
        partner=partner,
        note=payload.note,
    )
    return Status(201, pledge)


@router.post(
    "/pledges/{pledge_id}/receive",
    response={200: PledgeOut, **error_responses(401, 403, 404, 409)},
    summary="Mark a pledge received (the project's instructor)",
)
def pledge_receive(request: HttpRequest, pledge_id: int) -> Any:
    pledge = Pledge.objects.filter(pk=pledge_id).first()
    if pledge is None:
        raise NotFound("not_found", _("No such pledge."))
    sel.campaign_get_for_user(user=_user(request), campaign_id=pledge.campaign_id)
    return services_circle.pledge_receive(actor=_user(request), pledge=pledge)


# --- partners -----------------------------------------------------------------------------------
@router.get(
    "/partners",
    response={200: list[PartnerOut], **error_responses(401, 422)},
    summary="The partner circle",
)
@paginate
def partner_list(request: HttpRequest, q: str = "") -> Any:
    return sel.partners_for_user(user=_user(request), q=q)


@router.get(
    "/partners/{partner_id}",
    response={200: PartnerDetailOut, **error_responses(401, 404)},
    summary="A partner unit and what its resources achieved",
)
def partner_get(request: HttpRequest, partner_id: int) -> Any:
    partner = sel.partner_get_for_user(user=_user(request), partner_id=partner_id)
    partner.achievements = sel.partner_achievements(partner=partner)  # type: ignore[attr-defined]
    return partner


# --- earning rules ------------------------------------------------------------------------------
@router.get(
    "/points/rules",
    response={200: list[RuleOut], **error_responses(401, 422)},
    summary="Earning rules",
)
@paginate
def rule_list(request: HttpRequest) -> Any:
    """League admins: the live rules of their committees. Everyone else: the rules that pay them."""
    user = _user(request)
    if sel.rule_owners_for_user(user=user).exists():
        return sel.rules_for_user(user=user)
    return sel.rules_in_force_for(user=user)


@router.post(
    "/points/rules",
    response={201: RuleOut, **error_responses(401, 403, 404, 422)},
    summary="Set an earning rule (league committee)",
)
def rule_set(request: HttpRequest, payload: RuleIn) -> Any:
    """Replaces the live rule of the same kind and scope (kept in the history). 422
    `points_not_positive` for a rule paying zero or negative points, `invalid_cap`."""
    from qingshe.programmes.models import Programme

    owner = _org(payload.owner, "owner", _("No such organisation."))
    programme = None
    if payload.programme is not None:
        programme = Programme.objects.filter(pk=payload.programme, owner=owner).first()
        if programme is None:
            raise NotFound("not_found", _("No such programme."), field="programme")
    rule = services_points.rule_set(
        actor=_user(request),
        owner=owner,
        programme=programme,
        kind=payload.kind,
        name=payload.name,
        points=payload.points,
        cap_hours=payload.cap_hours,
        active_from=payload.active_from,
    )
    return Status(201, rule)


# --- the partner circle: applications -----------------------------------------------------------
@router.get(
    "/partner-applications",
    response={200: list[ApplicationOut], **error_responses(401, 422)},
    summary="Applications to the partner circle: mine, and those I decide",
)
@paginate
def application_list(request: HttpRequest) -> Any:
    return sel.applications_for_user(user=_user(request))


@router.post(
    "/partner-applications",
    response={201: ApplicationOut, **error_responses(401, 404, 409, 422)},
    summary="Apply to join the partner circle (公益伙伴圈)",
)
def application_make(request: HttpRequest, payload: ApplicationIn) -> Any:
    committee = _org(payload.committee, "committee", _("No such organisation."))
    data = payload.dict(exclude={"committee"})
    return Status(
        201, services_circle.partner_apply(actor=_user(request), committee=committee, **data)
    )


@router.post(
    "/partner-applications/{application_id}/decide",
    response={200: ApplicationOut, **error_responses(401, 404, 409, 422)},
    summary="Approve or turn down an application (league admins)",
)
def application_decide(request: HttpRequest, application_id: int, payload: DecideIn) -> Any:
    application = sel.application_get_for_user(user=_user(request), application_id=application_id)
    return services_circle.partner_decide(
        actor=_user(request), application=application, approve=payload.approve, note=payload.note
    )


# --- opening a campaign, listing a venue ------------------------------------------------------
@router.post(
    "/campaigns",
    response={201: CampaignOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Open a crowdfunding campaign for a project group",
)
def campaign_open(request: HttpRequest, payload: CampaignIn) -> Any:
    user = _user(request)
    group = sel.groups_run_by(user=user).filter(pk=payload.group).first()
    if group is None:
        raise NotFound("not_found", _("No such project group."), field="group")
    campaign = services_circle.campaign_open(
        actor=user,
        group=group,
        title=payload.title,
        description=payload.description,
        goal=payload.goal,
        deadline=payload.deadline,
        in_kind_wanted=payload.in_kind_wanted,
    )
    return Status(201, sel.campaign_get_for_user(user=user, campaign_id=campaign.pk))


@router.post(
    "/venues",
    response={201: VenueOut, **error_responses(401, 403, 404, 409, 422)},
    summary="List a venue (阵地) with its opening hours",
)
def venue_create(request: HttpRequest, payload: VenueIn) -> Any:
    user = _user(request)
    owner = sel.venue_owners_for_user(user=user).filter(pk=payload.owner).first()
    if owner is None:
        raise NotFound("not_found", _("No such organisation."), field="owner")
    venue = services_venues.venue_create(
        actor=user,
        owner=owner,
        kind=payload.kind,
        name=payload.name,
        capacity=payload.capacity,
        opening_hours=[w.dict() for w in payload.opening_hours],
        address=payload.address,
        description=payload.description,
    )
    return Status(201, venue)


# --- commendations ------------------------------------------------------------------------------
class RankingFilter(Schema):
    org: int = Field(..., description="The commending committee.")
    start: date
    end: date
    title: str = Field("", description="Marks who already holds this honour for the period.")
    teams: bool = Field(False, description="Rank class branches instead of volunteers.")


def _committee(user: Any, org_id: int) -> Any:
    org = sel.commending_orgs_for_user(user=user).filter(pk=org_id).first()
    if org is None:
        raise NotFound("not_found", _("No such organisation."), field="org")
    return org


@router.get(
    "/commendations/ranking",
    response={200: list[RankedOut], **error_responses(401, 404, 422)},
    summary="Ranked figures of a period (hours, needs solved, stars), to commend from",
)
def commendation_ranking(request: HttpRequest, filters: Query[RankingFilter]) -> Any:
    org = _committee(_user(request), filters.org)
    ranking = sel.team_ranking if filters.teams else sel.ranking
    return ranking(org=org, start=filters.start, end=filters.end, title=filters.title)


@router.get(
    "/commendations",
    response={200: list[CommendationOut], **error_responses(401, 422)},
    summary="Commendations (表彰): those I recorded, and mine",
)
@paginate
def commendation_list(request: HttpRequest) -> Any:
    return sel.commendations_for_user(user=_user(request))


@router.post(
    "/commendations",
    response={201: CommendationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Commend a volunteer or a team (league committee)",
)
def commendation_make(request: HttpRequest, payload: CommendationIn) -> Any:
    from django.contrib.auth import get_user_model

    from qingshe.credit import services_commend

    user = _user(request)
    org = _committee(user, payload.org)
    person = team = None
    if payload.person is not None:
        person = get_user_model().objects.filter(pk=payload.person, is_active=True).first()
        if person is None:
            raise NotFound("not_found", _("No such person."), field="person")
    if payload.team is not None:
        team = _org(payload.team, "team", _("No such team."))
    commendation = services_commend.commendation_make(
        actor=user,
        org=org,
        title=payload.title,
        period_start=payload.period_start,
        period_end=payload.period_end,
        user=person,
        team=team,
        bonus=payload.bonus,
    )
    return Status(201, commendation)

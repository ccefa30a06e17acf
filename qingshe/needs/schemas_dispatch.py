"""API schemas of dispatch: plans with their lines (reasons) and unfilled needs (causes),
offers, direct dispatch and claims. Every reason and cause carries its stable `code` and
`params` and a `text` in the request's language. Business rules stay in the services."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import datetime
from typing import Any

from ninja import Field, Schema

from qingshe.needs.dispatch import explain
from qingshe.needs.models import DispatchPlan, NeedAssignment


class DispatchOrgOut(Schema):
    id: int = Field(..., description="ID of the organisation.")
    name: str = Field(..., description="Its full name.")
    kind: str = Field(
        ..., description="`community`, `street`, `district_committee` or `city_committee`."
    )


class DispatchReasonOut(Schema):
    code: str = Field(
        ...,
        description="`window` (params start, end: minutes of local time since 2000-01-01), `skills` (skills, names), "
        "`major`, `work_kind`, `remote`, `distance` (km), `urgency`, `trained` (courses, names), `insured`, "
        "`fairness` (minutes_this_month), `by_hand`.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="The figures behind the reason."
    )
    text: str = Field(..., description="The reason in words, in the request's language.")


class DispatchCauseOut(Schema):
    code: str = Field(
        ...,
        description="Why a need is short, in the order applied: `too_far`, `no_required_skill`, `no_one_trained`, "
        "`no_one_free_in_window`, `no_one_insured`, `caps_reached`, `taken_by_better_matches`, `left_unassigned`; "
        "also `no_window_in_horizon`, `no_volunteers`.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="`count`: people excluded at this step; `remaining`: people left after it.",
    )
    text: str = Field(..., description="The cause in words, in the request's language.")


def reasons_out(items: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": i.get("code", ""),
            "params": i.get("params") or {},
            "text": explain.reason_text(i.get("code", ""), i.get("params")),
        }
        for i in items or []
    ]


def causes_out(items: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": i.get("code", ""),
            "params": i.get("params") or {},
            "text": explain.cause_text(i.get("code", ""), i.get("params")),
        }
        for i in items or []
    ]


class DispatchLineOut(Schema):
    id: int = Field(..., description="ID of the line (for including or excluding it).")
    need: int = Field(..., description="ID of the need.")
    need_title: str = Field(..., description="The need's title.")
    volunteer: int = Field(..., description="ID of the volunteer.")
    volunteer_name: str = Field(..., description="The volunteer's name.")
    volunteer_no: str = Field(..., description="The volunteer number (志愿者编号).")
    starts_at: datetime = Field(..., description="Start of the service (UTC).")
    ends_at: datetime = Field(..., description="End of the service (UTC).")
    score: float = Field(..., description="The match score (0 for lines added by hand).")
    included: bool = Field(..., description="Whether the line is applied with the plan.")
    added_by_hand: bool = Field(..., description="Added by the dispatcher rather than proposed.")
    reasons: list[DispatchReasonOut] = Field(
        ..., description="Why this person: codes, figures and words."
    )

    @staticmethod
    def resolve_need(obj: Any) -> int:
        return obj.need_id

    @staticmethod
    def resolve_need_title(obj: Any) -> str:
        return obj.need.title

    @staticmethod
    def resolve_volunteer(obj: Any) -> int:
        return obj.volunteer_id

    @staticmethod
    def resolve_volunteer_name(obj: Any) -> str:
        return obj.volunteer.name

    @staticmethod
    def resolve_volunteer_no(obj: Any) -> str:
        return obj.volunteer.volunteer_no

    @staticmethod
    def resolve_reasons(obj: Any) -> list[dict[str, Any]]:
        return reasons_out(obj.reasons)


class DispatchUnfilledOut(Schema):
    need: int = Field(..., description="ID of the need.")
    need_title: str = Field(..., description="The need's title.")
    community: str = Field(..., description="The need's community.")
    wanted: int = Field(..., description="Places the plan tried to fill.")
    filled: int = Field(..., description="Places it filled.")
    causes: list[DispatchCauseOut] = Field(..., description="Why the rest could not be filled.")


class DispatchPlanSummaryOut(Schema):
    id: int = Field(..., description="ID of the plan.")
    scope: DispatchOrgOut = Field(..., description="The area planned.")
    state: str = Field(..., description="`proposed`, `applied` or `discarded`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    horizon_start: datetime = Field(..., description="Start of the period planned (UTC).")
    horizon_end: datetime = Field(..., description="End of the period planned (UTC).")
    objective: float = Field(..., description="Total match score of the proposal.")
    stats: dict[str, Any] = Field(
        ..., description="Figures: needs, places, volunteers, assigned, seconds…"
    )
    created_at: datetime = Field(..., description="When the plan was made (UTC).")
    applied_at: datetime | None = Field(None, description="When it was applied (UTC).")

    @staticmethod
    def resolve_state_label(obj: DispatchPlan) -> str:
        return explain.plan_state_label(obj.state)


class DispatchPlanOut(DispatchPlanSummaryOut):
    weights: dict[str, float] = Field(..., description="The score weights used.")
    lines: list[DispatchLineOut] = Field(..., description="Proposed assignments, by need.")
    unfilled: list[DispatchUnfilledOut] = Field(
        ..., description="Needs left (partly) unassigned, with causes."
    )

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return obj.lines_out

    @staticmethod
    def resolve_unfilled(obj: Any) -> list[dict[str, Any]]:
        return obj.unfilled_out


class DispatchPlanIn(Schema):
    scope: int = Field(
        ..., description="ID of a community, street, district committee or city committee."
    )
    horizon_start: datetime | None = Field(None, description="Start of the period (default: now).")
    horizon_end: datetime | None = Field(
        None,
        description="End of the period (default: seven days after the start; at most 28 days).",
    )
    weights: dict[str, float] | None = Field(
        None,
        description="Score weights to change (the rest keep their defaults): assigned, urgency, skill, major, "
        "work_kind, distance, distance_half_km, fairness, fairness_half_minutes, spread.",
    )


class DispatchPlanFilter(Schema):
    state: str | None = Field(
        None, max_length=10, description="`proposed`, `applied` or `discarded`."
    )


class DispatchLineSetIn(Schema):
    included: bool = Field(
        ..., description="true: apply this line with the plan; false: leave it out."
    )


class DispatchLineAddIn(Schema):
    need: int = Field(..., description="ID of a need of the plan's area.")
    volunteer: int = Field(..., description="ID of a student volunteer of the plan's area.")
    starts_at: datetime = Field(
        ..., description="Start of the service; it lasts the need's minutes per person."
    )


class DispatchAssignmentOut(Schema):
    id: int = Field(..., description="ID of the assignment.")
    need: int = Field(..., description="ID of the need.")
    need_title: str = Field(..., description="The need's title.")
    community: str = Field(..., description="The need's community.")
    address: str = Field(..., description="Where (empty when not given).")
    remote: bool = Field(..., description="Done online, wherever the volunteer is.")
    volunteer: int = Field(..., description="ID of the volunteer.")
    source: str = Field(..., description="`plan` (dispatched, 派单) or `claim` (抢单).")
    state: str = Field(..., description="`offered`, `accepted`, `declined`, `withdrawn` or `done`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    plan: int | None = Field(None, description="ID of the plan that made the offer.")
    starts_at: datetime = Field(..., description="Start of the service (UTC).")
    ends_at: datetime = Field(..., description="End of the service (UTC).")
    reasons: list[DispatchReasonOut] = Field(..., description="Why this person.")
    reason: str = Field(..., description="The reason given when declining or withdrawing.")
    responded_at: datetime | None = Field(None, description="When the volunteer answered (UTC).")

    @staticmethod
    def resolve_need(obj: NeedAssignment) -> int:
        return obj.need_id

    @staticmethod
    def resolve_need_title(obj: NeedAssignment) -> str:
        return obj.need.title

    @staticmethod
    def resolve_community(obj: NeedAssignment) -> str:
        return obj.need.community.name

    @staticmethod
    def resolve_address(obj: NeedAssignment) -> str:
        return obj.need.address

    @staticmethod
    def resolve_remote(obj: NeedAssignment) -> bool:
        return obj.need.is_remote

    @staticmethod
    def resolve_volunteer(obj: NeedAssignment) -> int:
        return obj.volunteer_id

    @staticmethod
    def resolve_plan(obj: NeedAssignment) -> int | None:
        return obj.plan_id

    @staticmethod
    def resolve_state_label(obj: NeedAssignment) -> str:
        return explain.offer_state_label(obj.state)

    @staticmethod
    def resolve_reasons(obj: NeedAssignment) -> list[dict[str, Any]]:
        return reasons_out(obj.reasons)


class DispatchOffersFilter(Schema):
    state: str | None = Field(
        None, max_length=10, description="Only in this state (default: offered and accepted)."
    )


class DispatchDirectIn(Schema):
    volunteers: list[int] = Field(
        ..., min_length=1, max_length=50, description="IDs of the students to offer the need to."
    )
    starts_at: datetime = Field(
        ..., description="Start of the service; it lasts the need's minutes per person."
    )


class DispatchDeclineIn(Schema):
    reason: str = Field(..., max_length=500, description="Why not: the dispatcher reads it.")


class DispatchWithdrawIn(Schema):
    reason: str = Field("", max_length=500, description="Why (optional for the volunteer).")


class DispatchClaimIn(Schema):
    starts_at: datetime | None = Field(
        None, description="Open-claim need (抢单): when to serve (default: the first time you can)."
    )
    claimant: int | None = Field(
        None, description="Bounty (揭榜): ID of the university or department taking it up."
    )
    assigned_org: int | None = Field(
        None, description="Bounty: ID of the department or branch that carries it out."
    )
    group: int | None = Field(
        None, description="Bounty: ID of the project group that carries it out."
    )
    plan: str = Field("", max_length=4000, description="Bounty: how it will be done.")


class DispatchBountyClaimOut(Schema):
    id: int = Field(..., description="ID of the bounty claim.")
    need: int = Field(..., description="ID of the need.")
    claimant: int = Field(..., description="ID of the claiming organisation.")
    state: str = Field(..., description="The claim's state.")

    @staticmethod
    def resolve_need(obj: Any) -> int:
        return obj.need_id

    @staticmethod
    def resolve_claimant(obj: Any) -> int:
        return obj.claimant_id


class DispatchClaimOut(Schema):
    kind: str = Field(
        ..., description="`open_claim` (a volunteer's place, 抢单) or `bounty` (揭榜)."
    )
    assignment: DispatchAssignmentOut | None = Field(
        None, description="The place taken (open-claim needs)."
    )
    bounty_claim: DispatchBountyClaimOut | None = Field(
        None, description="The claim made (bounties)."
    )


class DispatchOpenNeedOut(Schema):
    id: int = Field(..., description="ID of the need.")
    title: str = Field(..., description="Its title.")
    community: str = Field(..., description="Its community.")
    remote: bool = Field(..., description="Done online.")
    urgency: int = Field(..., description="0 normal, 1 urgent, 2 very urgent.")
    people_needed: int = Field(..., description="Places in all.")
    taken: int = Field(..., description="Places taken.")
    minutes_each: int = Field(..., description="Minutes of service per person.")
    next_window: datetime | None = Field(
        None, description="Start of its next time window (UTC), if it has windows."
    )

    @staticmethod
    def resolve_community(obj: Any) -> str:
        return obj.community.name

    @staticmethod
    def resolve_remote(obj: Any) -> bool:
        return obj.is_remote

    @staticmethod
    def resolve_taken(obj: Any) -> int:
        return int(getattr(obj, "held", 0))

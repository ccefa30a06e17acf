"""API schemas of points, rewards and redemptions, venues and bookings, campaigns and pledges,
partners and earning rules."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

CENT = Decimal("0.01")


class PointsLineOut(Schema):
    id: int
    amount: int = Field(..., description="Points in (positive) or out (negative) of the account.")
    balance_after: int = Field(..., description="The balance after this movement.")
    kind: str = Field(
        ...,
        description="`award_hours`, `award_need`, `award_commendation`, `reversal` (hours corrected), `redemption`, `cancellation`.",
    )
    reason: str = Field(..., description="Why, as recorded (activity and hours, need, reward…).")
    rule: str | None = Field(None, description="The earning rule that paid it, for awards.")
    rule_id: int | None = None
    source: str = Field(
        ..., description="The source key: `hours:<entry>`, `need:<need>:<person>`, `redeem:<id>`…"
    )
    hours_counted: Decimal | None = Field(None, description="Hours counted, for hours awards.")
    shortfall: int = Field(0, description="Points of a reversal already spent, not taken back.")
    redemption_code: str | None = None
    recorded_at: datetime

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return obj.transfer.kind

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return obj.transfer.reason

    @staticmethod
    def resolve_rule(obj: Any) -> str | None:
        return obj.transfer.rule.name if obj.transfer.rule_id else None

    @staticmethod
    def resolve_rule_id(obj: Any) -> int | None:
        return obj.transfer.rule_id

    @staticmethod
    def resolve_source(obj: Any) -> str:
        return obj.transfer.key

    @staticmethod
    def resolve_hours_counted(obj: Any) -> Decimal | None:
        return obj.transfer.hours_counted

    @staticmethod
    def resolve_shortfall(obj: Any) -> int:
        return obj.transfer.shortfall

    @staticmethod
    def resolve_redemption_code(obj: Any) -> str | None:
        return obj.transfer.redemption.code if obj.transfer.redemption_id else None

    @staticmethod
    def resolve_recorded_at(obj: Any) -> datetime:
        return obj.created_at


class RewardOut(Schema):
    id: int
    title: str
    kind: str = Field(..., description="`goods`, `service` or `ticket`.")
    description: str
    partner_id: int
    partner: str = Field(..., description="The partner unit offering it.")
    price: int = Field(..., description="Price in points.")
    stock: int = Field(..., description="How many are left.")
    per_person_limit: int
    valid_from: date
    valid_until: date
    where: str = Field(..., description="Where to collect it.")
    state: str = Field(..., description="`listed` or `withdrawn`.")
    mine: int | None = Field(None, description="How many the caller holds (live redemptions).")

    @staticmethod
    def resolve_partner(obj: Any) -> str:
        return obj.partner.name


class RewardIn(Schema):
    partner: int = Field(
        ..., description="The partner unit (you are its contact or an admin above it)."
    )
    kind: str = Field("goods", description="`goods`, `service` or `ticket`.")
    title: str
    description: str = ""
    where: str = ""
    price: int = Field(..., description="Price in points, 1 or more.")
    stock: int = Field(..., description="How many are put up, 1 or more.")
    per_person_limit: int = 1
    valid_from: date
    valid_until: date


class RedemptionOut(Schema):
    code: str = Field(..., description="The redemption code to show the partner (also as QR).")
    reward_id: int
    reward: str
    partner: str
    person: int = Field(..., alias="user_id")
    points: int = Field(..., description="Points paid.")
    state: str = Field(..., description="`issued` (to collect), `handed_over` or `cancelled`.")
    created_at: datetime
    handed_over_at: datetime | None = None
    cancelled_at: datetime | None = None
    qr_url: str = Field(
        ..., description="The page the QR code opens (the partner hands over there)."
    )

    @staticmethod
    def resolve_reward(obj: Any) -> str:
        return obj.reward.title

    @staticmethod
    def resolve_partner(obj: Any) -> str:
        return obj.reward.partner.name

    @staticmethod
    def resolve_qr_url(obj: Any, context: Any) -> str:
        from django.urls import reverse

        return context["request"].build_absolute_uri(reverse("credit:redemption", args=[obj.code]))


class ReasonIn(Schema):
    reason: str = Field("", max_length=200, description="Required when the partner cancels.")


class OpeningWindow(Schema):
    weekday: int = Field(..., description="0 = Monday … 6 = Sunday.")
    start: str = Field(..., description="HH:MM, local time.")
    end: str = Field(..., description="HH:MM, local time.")


class VenueOut(Schema):
    id: int
    name: str
    kind: str
    owner_id: int
    owner: str
    address: str
    capacity: int
    opening_hours: list[OpeningWindow]
    is_active: bool

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return obj.owner.name


class BookingOut(Schema):
    id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    state: str = Field(..., description="`booked` or `cancelled`.")
    purpose: str
    people: int
    activity_id: int | None = None
    group_id: int | None = None


class BookingIn(Schema):
    starts_at: datetime
    ends_at: datetime
    purpose: str
    people: int
    activity: int | None = Field(None, description="An activity you organise…")
    group: int | None = Field(None, description="…or a project group you run.")


class CampaignOut(Schema):
    id: int
    title: str
    description: str
    group_id: int
    group: str
    goal: Decimal = Field(..., description="Goal in yuan.")
    in_kind_wanted: str
    deadline: date
    state: str = Field(..., description="`open` or `closed`.")
    pledged: Decimal = Field(..., description="Money pledged (not withdrawn), yuan.")
    received: Decimal = Field(..., description="Money marked received by the instructor, yuan.")
    in_kind: int = Field(..., description="Pledges in kind (not withdrawn).")
    backers: int

    @staticmethod
    def resolve_group(obj: Any) -> str:
        return obj.group.name

    @staticmethod
    def resolve_pledged(obj: Any) -> Decimal:
        return Decimal(obj.pledged or 0).quantize(CENT)

    @staticmethod
    def resolve_received(obj: Any) -> Decimal:
        return Decimal(obj.received or 0).quantize(CENT)


class PledgeIn(Schema):
    kind: str = Field("money", description="`money` or `in_kind`.")
    amount: Decimal = Field(
        ..., description="Yuan (money), or what the goods are worth; more than 0."
    )
    description: str = Field("", description="What is given (in kind).")
    partner: int | None = Field(
        None, description="Pledge on behalf of a partner unit you represent."
    )
    note: str = ""


class PledgeOut(Schema):
    id: int
    campaign_id: int
    kind: str
    amount: Decimal
    description: str
    partner_id: int | None = None
    state: str = Field(..., description="`pledged`, `received` or `withdrawn`.")
    created_at: datetime
    received_at: datetime | None = None


class AchievementsOut(Schema):
    rewards_redeemed: int
    rewards_handed_over: int
    points_redeemed: int
    bookings: int
    booking_hours: Decimal
    money_given: Decimal
    money_pledged: Decimal
    in_kind_given: int
    in_kind_value: Decimal
    resources: int
    groups_supported: int


class PartnerOut(Schema):
    id: int
    name: str
    short_name: str
    description: str
    address: str
    reward_count: int = 0
    resource_count: int = 0


class PartnerDetailOut(PartnerOut):
    achievements: AchievementsOut


class RuleOut(Schema):
    id: int
    owner_id: int
    programme_id: int | None = None
    kind: str = Field(..., description="`per_hour`, `per_need` or `commendation`.")
    name: str
    points: int
    cap_hours: Decimal | None = None
    active_from: date
    replaces_id: int | None = None
    retired_at: datetime | None = None


class RuleIn(Schema):
    owner: int = Field(..., description="The city or district league committee.")
    programme: int | None = Field(None, description="Only for this programme's activities.")
    kind: str
    name: str
    points: int = Field(
        ..., description="Points paid (per hour, per need, per commendation): 1 or more."
    )
    cap_hours: Decimal | None = Field(
        None, description="Per hour only: hours counted per activity and day at most."
    )
    active_from: date = Field(..., description="For service from this day.")


class ApplicationIn(Schema):
    committee: int = Field(..., description="The city or district league committee applied to.")
    name: str
    short_name: str = ""
    contact_name: str
    contact_phone: str
    address: str = ""
    description: str = ""
    offers: str = Field(..., description="What the unit can offer.")


class ApplicationOut(Schema):
    id: int
    committee_id: int
    name: str
    state: str = Field(..., description="`pending`, `approved` or `rejected`.")
    offers: str
    created_at: datetime
    decided_at: datetime | None = None
    decision_note: str
    partner_id: int | None = Field(None, description="The partner unit created on approval.")


class DecideIn(Schema):
    approve: bool
    note: str = Field("", description="Required when turning down.")


class CampaignIn(Schema):
    group: int = Field(..., description="A project group you run.")
    title: str
    description: str
    goal: Decimal = Field(..., description="Goal in yuan, more than 0.")
    deadline: date
    in_kind_wanted: str = ""


class VenueIn(Schema):
    owner: int = Field(..., description="A community or partner unit you manage.")
    kind: str
    name: str
    capacity: int
    opening_hours: list[OpeningWindow]
    address: str = ""
    description: str = ""


class RankedOut(Schema):
    rank: int
    hours: Decimal
    needs: int
    stars: Decimal | None = None
    person: int | None = None
    name: str
    team: int | None = None
    commended: bool
    score: Decimal | None = Field(
        None, description="Teams: the mean monthly score (月评月考, 0–100) over the period."
    )

    @staticmethod
    def resolve_person(obj: Any) -> int | None:
        return obj.user.pk if obj.user else None

    @staticmethod
    def resolve_team(obj: Any) -> int | None:
        return obj.team.pk if obj.team else None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.user.name if obj.user else obj.team.name


class CommendationIn(Schema):
    org: int = Field(..., description="The commending league committee.")
    title: str
    period_start: date
    period_end: date
    person: int | None = None
    team: int | None = None
    bonus: bool = Field(True, description="Pay the bonus of the committee's commendation rule.")


class CommendationOut(Schema):
    id: int
    org_id: int
    title: str
    period_start: date
    period_end: date
    person: int | None = Field(None, alias="user_id")
    team_id: int | None = None
    figures: dict[str, Any]
    award_id: int | None = None

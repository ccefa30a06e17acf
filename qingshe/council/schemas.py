"""API schemas of the council app (fields documented in OpenAPI)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class ResolutionOut(Schema):
    id: int
    item: int = Field(..., alias="item_id")
    need: int = Field(..., alias="item.need_id")
    kind: str = Field(..., description="assign, refer or decline")
    team: int | None = Field(None, alias="team_id")
    project_group: int | None = Field(None, alias="project_group_id")
    pairing: int | None = Field(None, alias="pairing_id")
    refer_to: str
    reason: str
    need_state: str = Field(
        ..., alias="item.need.state", description="Where the need is now: tracked to the end."
    )


class ListItemOut(Schema):
    id: int
    rank: int
    need: int = Field(..., alias="need_id")
    title: str = Field(..., alias="need.title")
    need_state: str = Field(..., alias="need.state")
    affected: int = Field(..., description="Residents affected: the reporter and the followers.")
    urgency: int
    age_days: int
    included: bool = Field(..., description="On the council's agenda.")
    note: str


class MonthlyListOut(Schema):
    id: int
    community: int = Field(..., alias="community_id")
    community_name: str = Field(..., alias="community.name")
    month: str = Field(..., description="YYYY-MM")
    state: str = Field(..., description="draft or final (sent to the council)")
    items: list[ListItemOut]

    @staticmethod
    def resolve_month(obj: object) -> str:
        return f"{obj.month:%Y-%m}"  # type: ignore[attr-defined]

    @staticmethod
    def resolve_items(obj: object) -> list[object]:
        return list(obj.items.all())  # type: ignore[attr-defined]  # prefetched, in rank order


class ListFilter(Schema):
    month: str | None = Field(None, description="YYYY-MM (local calendar month)")
    community: int | None = None


class MeetingIn(Schema):
    monthly_list: int = Field(..., description="A finalised monthly list: the agenda.")
    held_on: date
    title: str
    place: str = ""


class MeetingOut(Schema):
    id: int
    community: int = Field(..., alias="community_id")
    agenda: int = Field(..., alias="agenda_id")
    title: str
    held_on: date
    place: str
    state: str
    minutes: str
    guests: int
    closed_at: datetime | None


class MeetingFilter(Schema):
    community: int | None = None


class ResolutionIn(Schema):
    item: int = Field(..., description="An item of this meeting's agenda.")
    kind: str = Field(..., description="assign, refer or decline")
    team: int | None = Field(None, description="assign: a volunteer team")
    project_group: int | None = Field(None, description="assign: an open project group")
    pairing: int | None = Field(None, description="assign: an approved pairing with this community")
    refer_to: str = Field("", description="refer: the body it is referred to")
    reason: str = Field("", description="decline: required")


class CloseIn(Schema):
    minutes: str
    attendees: list[int]
    guests: int = 0


class VerifyIn(Schema):
    evidence: str


class SendBackIn(Schema):
    reason: str


class RatingIn(Schema):
    outcome: str = Field(..., description="solved, partly or not_solved")
    stars: int = Field(..., description="1 to 5")
    comment: str = ""


class RatingOut(Schema):
    need: int = Field(..., alias="need_id")
    outcome: str
    stars: int | None
    rated_at: datetime | None = Field(None, alias="used_at")


class FeedbackIn(Schema):
    pairing: int
    month: str = Field(..., description="YYYY-MM, a month that has ended")
    activities_held: int
    people_involved: int
    hours: Decimal
    solved: str = ""
    problems: str = ""
    next_plan: str


class FeedbackOut(Schema):
    id: int
    pairing: int = Field(..., alias="pairing_id")
    month: str
    state: str = Field(..., description="submitted, confirmed or returned")
    activities_held: int
    people_involved: int
    hours: Decimal
    solved: str
    problems: str
    next_plan: str
    filed_at: datetime
    is_late: bool
    comments: str

    @staticmethod
    def resolve_month(obj: object) -> str:
        return f"{obj.month:%Y-%m}"  # type: ignore[attr-defined]


class FeedbackFilter(Schema):
    month: str | None = Field(None, description="YYYY-MM")
    state: str = ""


class DecideIn(Schema):
    comments: str = ""


class EvaluationIn(Schema):
    kind: str = Field(..., description="self, peer, resident or community")
    subject_org: int = Field(..., description="The branch or volunteer team")
    subject_user: int | None = Field(None, description="peer: the teammate")
    community: int | None = Field(None, description="resident/community: the community served")
    activity: int | None = Field(
        None, description="The activity evaluated (self/peer: the volunteer took part)"
    )
    score: int = Field(..., description="1 to 5")
    comment: str = ""


class EvaluationOut(Schema):
    id: int
    kind: str
    subject_org: int = Field(..., alias="subject_org_id")
    subject_user: int | None = Field(None, alias="subject_user_id")
    activity: int | None = Field(None, alias="activity_id")
    score: int
    comment: str
    at: datetime


class EvaluationFilter(Schema):
    org: int | None = None
    month: str | None = Field(None, description="YYYY-MM")


class ScoreOut(Schema):
    org: int = Field(..., alias="org.pk")
    org_name: str = Field(..., alias="org.name")
    evaluations: int
    mean: Decimal | None = Field(None, description="Mean evaluation score (1–5)")
    forms_points: Decimal | None = Field(
        None, description="Feedback-form points (0–30); null without a pairing"
    )
    score: Decimal = Field(..., description="0–100")
    department: int | None = Field(None, alias="department.pk")
    district: int | None = Field(None, alias="district.pk")
    rank_in_department: int
    rank_in_district: int


class ScoreFilter(Schema):
    month: str = Field(..., description="YYYY-MM")

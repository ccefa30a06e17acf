"""API schemas of needs (see needs/api/needs.py). Business rules stay in the services; these
carry only the bounds that keep a request sane."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from qingshe.core import access
from qingshe.needs.models import Need, NeedEvent, NeedPhoto
from qingshe.needs.selectors.needs import state_label


class RefOut(Schema):
    id: int = Field(..., description="ID.")
    name: str = Field(..., description="Name.")


class WindowSchema(Schema):
    starts_at: datetime = Field(
        ..., description="Start of the window (ISO 8601 with a zone; UTC in answers)."
    )
    ends_at: datetime = Field(
        ..., description="End of the window, after its start, at most 14 days later."
    )


class PhotoOut(Schema):
    id: int = Field(..., description="ID of the photo.")
    stage: str = Field(
        ...,
        description="`intake`, `done` (evidence of the work) or `verified` (of the verification).",
    )
    size: int = Field(..., description="Size in bytes (as stored: re-encoded without metadata).")
    url: str = Field(
        ...,
        description="Where to fetch it (same authentication; only for those who may see the need).",
    )
    created_at: datetime = Field(..., description="When it was added (UTC).")

    @staticmethod
    def resolve_url(obj: NeedPhoto) -> str:
        return reverse("api-v1:need_photo_get", kwargs={"need_id": obj.need_id, "photo_id": obj.pk})


def _sees_people(context: dict[str, Any], need: Need) -> bool:
    request = context.get("request")
    user = getattr(request, "auth", None) if request is not None else None
    return user is not None and access.can(user, "need.view", need.community)


class NeedOut(Schema):
    id: int = Field(..., description="ID of the need.")
    title: str = Field(..., description="What is needed, in a few words.")
    community: RefOut = Field(..., description="The community the need belongs to.")
    project_type: str = Field(
        ...,
        description="One of the five project types (`governance`, `after_school`, `survey`, `culture_sport`, `league_building`).",
    )
    project_type_label: str = Field(..., description="The project type, in the request's language.")
    service_field: str = Field(
        ...,
        description="One of the nine fields (`rural`, `governance`, `poverty_education`, `employment`, `ecology`, `heritage`, `technology`, `health`, `policy`).",
    )
    work_kind: str = Field(..., description="`labour`, `skilled` or `professional`.")
    state: str = Field(
        ...,
        description="`submitted`, `accepted`, `dispatched`, `claimed`, `in_progress`, `claimed_done`, `verified`, `closed`, `rejected`, `duplicate` or `not_responsible`.",
    )
    state_label: str = Field(..., description="The state, in the request's language.")
    state_changed_at: datetime | None = Field(
        None, description="When the need entered its state (UTC)."
    )
    urgency: int = Field(..., description="0 normal, 1 urgent, 2 very urgent.")
    people_needed: int = Field(..., description="How many volunteers are asked for (1–500).")
    is_bounty: bool = Field(..., description="Posted by the community as a bounty (发榜).")
    open_claim: bool = Field(
        ..., description="Volunteers may claim it first come, first served (抢单)."
    )
    starts_on: Any = Field(None, description="First day of its windows (local date), if any.")
    ends_on: Any = Field(None, description="Last day of its windows (local date), if any.")
    original: int | None = Field(
        None, description="For a duplicate: the ID of the need it repeats."
    )
    follower_count: int = Field(0, description="How many residents follow it.")
    reporter: RefOut | None = Field(
        None,
        description="Who ordered it (shown to the community's staff, panel, council and league; null for others and for the community's own needs).",
    )
    created_at: datetime = Field(..., description="When it was ordered (UTC).")

    @staticmethod
    def resolve_community(obj: Need) -> dict[str, Any]:
        return {"id": obj.community_id, "name": obj.community.name}

    @staticmethod
    def resolve_project_type_label(obj: Need) -> str:
        return str(obj.get_project_type_display())

    @staticmethod
    def resolve_state_label(obj: Need) -> str:
        return state_label(obj.state)

    @staticmethod
    def resolve_original(obj: Need) -> int | None:
        return obj.original_id

    @staticmethod
    def resolve_follower_count(obj: Need) -> int:
        count = getattr(obj, "follower_count", None)
        return int(count) if count is not None else obj.followers.count()

    @staticmethod
    def resolve_reporter(obj: Need, context: dict[str, Any]) -> dict[str, Any] | None:
        if obj.reporter_id is None or not _sees_people(context, obj):
            return None
        return {"id": obj.reporter_id, "name": obj.reporter.name}


class EventOut(Schema):
    from_state: str = Field(..., description="The state before (empty for the first event).")
    to_state: str = Field(..., description="The state after.")
    actor: RefOut | None = Field(None, description="Who made the move.")
    at: datetime = Field(..., description="When (UTC).")
    reason: str = Field(..., description="The reason, note or evidence given with it.")
    data: dict[str, Any] = Field(
        ...,
        description="Details: `original`, `refer_to`, `urgency`, `photos`, `reopened`, `sent_back`…",
    )

    @staticmethod
    def resolve_actor(obj: NeedEvent) -> dict[str, Any] | None:
        return {"id": obj.actor_id, "name": obj.actor.name} if obj.actor_id and obj.actor else None


class NeedDetailOut(NeedOut):
    description: str = Field(..., description="Details given by the resident or the staff.")
    address: str = Field(..., description="Where.")
    lat: float | None = Field(
        None, description="Latitude of the place (the community's when none was given)."
    )
    lng: float | None = Field(None, description="Longitude of the place.")
    is_remote: bool = Field(..., description="Can be done remotely.")
    minutes_each: int = Field(..., description="Minutes of service per person (15–720).")
    needs_insurance: bool = Field(..., description="Volunteers must be insured.")
    required_courses: list[RefOut] = Field(
        ..., description="Training volunteers must have completed."
    )
    skills: list[str] = Field(..., description="Skills wanted.")
    majors: list[str] = Field(..., description="Majors that fit.")
    windows: list[WindowSchema] = Field(..., description="When it can be served, in order.")
    photos: list[PhotoOut] = Field(..., description="Photos at intake and as evidence.")
    history: list[EventOut] = Field(..., description="Every move of its state, oldest first.")
    actions: dict[str, bool] = Field(
        ...,
        description="What the caller may do now (`can_accept`, `can_reject`, `can_duplicate`, `can_not_responsible`, `can_report_done`, `can_verify`, `can_send_back`, `can_reopen`, `can_close`, `can_follow`, `following`…).",
    )

    @staticmethod
    def resolve_lat(obj: Need) -> float | None:
        return float(obj.lat) if obj.lat is not None else None

    @staticmethod
    def resolve_lng(obj: Need) -> float | None:
        return float(obj.lng) if obj.lng is not None else None

    @staticmethod
    def resolve_required_courses(obj: Need) -> list[dict[str, Any]]:
        return [{"id": c.pk, "name": c.name} for c in obj.required_courses.all()]

    @staticmethod
    def resolve_skills(obj: Need) -> list[str]:
        return [s.name for s in obj.skills.all()]

    @staticmethod
    def resolve_windows(obj: Need) -> list[Any]:
        return list(obj.windows.all())

    @staticmethod
    def resolve_photos(obj: Need) -> list[Any]:
        return list(obj.photos.all())

    @staticmethod
    def resolve_history(obj: Need) -> list[Any]:
        return getattr(obj, "history", [])

    @staticmethod
    def resolve_actions(obj: Need) -> dict[str, bool]:
        return getattr(obj, "actions", {})


class NeedFilter(Schema):
    state: str | None = Field(
        None,
        max_length=16,
        description="A state, or `open` for every open state (submitted to in progress).",
    )
    project_type: str | None = Field(
        None, max_length=32, description="Only needs of this project type."
    )
    service_field: str | None = Field(None, max_length=32, description="Only needs of this field.")
    urgency: int | None = Field(None, ge=0, le=2, description="Only needs of this urgency.")
    older_than_days: int | None = Field(
        None, ge=1, le=3650, description="Only needs in their state for longer than this."
    )
    community: int | None = Field(None, description="Only needs of this community.")
    is_bounty: bool | None = Field(
        None, description="Only bounties (true) or only other needs (false)."
    )
    q: str | None = Field(None, max_length=60, description="Words in the title or description.")
    mine: bool = Field(False, description="Only the caller's own orders and the needs they follow.")


class NeedIn(Schema):
    community: int = Field(..., description="ID of the community.")
    title: str = Field(
        ..., max_length=200, description="What is needed, in a few words (at most 120 characters)."
    )
    description: str = Field("", max_length=8000, description="Details (at most 4000 characters).")
    project_type: str = Field(..., max_length=32, description="Project type (see NeedOut).")
    service_field: str = Field(..., max_length=32, description="Field (see NeedOut).")
    work_kind: str = Field(
        "labour", max_length=16, description="`labour`, `skilled` or `professional`."
    )
    skills: list[str] = Field(default_factory=list, max_length=30, description="Skills wanted.")
    majors: list[str] = Field(default_factory=list, max_length=30, description="Majors that fit.")
    windows: list[WindowSchema] = Field(
        default_factory=list,
        max_length=50,
        description="When it can be served: each ends after it starts, none in the past, each at most 14 days, at most 20.",
    )
    people_needed: int = Field(1, description="How many volunteers (1–500).")
    urgency: int = Field(0, description="0 normal, 1 urgent, 2 very urgent.")
    minutes_each: int = Field(120, description="Minutes of service per person (15–720).")
    required_courses: list[int] = Field(
        default_factory=list,
        max_length=20,
        description="IDs of training courses (of the community or the organisations above it) volunteers must have completed.",
    )
    needs_insurance: bool = Field(False, description="Volunteers must be insured.")
    open_claim: bool = Field(False, description="Volunteers may claim it first come, first served.")
    is_remote: bool = Field(False, description="Can be done remotely.")
    is_bounty: bool = Field(False, description="Post as a bounty (community staff only).")
    address: str = Field(
        "", max_length=200, description="Where (defaults to the community's address)."
    )
    lat: float | None = Field(
        None, description="Latitude of the place (defaults to the community's)."
    )
    lng: float | None = Field(None, description="Longitude of the place.")
    on_behalf_of: int | None = Field(
        None, description="Staff entering an order for a resident: the resident's ID."
    )


class SimilarIn(Schema):
    community: int = Field(..., description="ID of the community of the draft.")
    project_type: str = Field("", max_length=32, description="Project type of the draft.")
    title: str = Field(..., max_length=200, description="Title of the draft.")
    description: str = Field("", max_length=8000, description="Description of the draft.")
    lat: float | None = Field(
        None, description="Latitude of the place (defaults to the community's)."
    )
    lng: float | None = Field(None, description="Longitude of the place.")


class SimilarOut(Schema):
    id: int = Field(..., description="ID of the open need that looks like the draft.")
    title: str = Field(..., description="Its title.")
    community: RefOut = Field(..., description="Its community.")
    project_type: str = Field(..., description="Its project type.")
    state: str = Field(..., description="Its state.")
    created_at: datetime = Field(..., description="When it was ordered (UTC).")
    distance_m: float | None = Field(
        None,
        description="How far from the draft's place, when of the same project type within ~250 m.",
    )
    text_score: float = Field(
        ..., description="How alike the texts are (0–1; 0 when not compared)."
    )
    reasons: list[str] = Field(..., description="Why it is shown, in the request's language.")


class TriageIn(Schema):
    decision: str = Field(
        ..., max_length=20, description="`accept`, `reject`, `duplicate` or `not_responsible`."
    )
    reason: str = Field(
        "",
        max_length=4000,
        description="Required to reject and for not responsible; optional otherwise.",
    )
    original: int | None = Field(
        None,
        description="For `duplicate`: the ID of the open need of the same community it repeats.",
    )
    refer_to: str = Field(
        "", max_length=200, description="For `not_responsible`: whom the resident should turn to."
    )
    urgency: int | None = Field(None, description="For `accept`: set the urgency (0–2).")


class NoteIn(Schema):
    note: str = Field(
        "",
        max_length=4000,
        description="What was done (complete), how it was checked (verify), what is missing (send-back), what is not solved (reopen), or a closing note (close).",
    )


class FollowIn(Schema):
    follow: bool = Field(True, description="True to follow, false to stop following.")
    resident: int | None = Field(
        None, description="Staff only: follow on behalf of this resident (ID)."
    )


class FollowOut(Schema):
    following: bool = Field(..., description="Whether the person now follows the need.")
    follower_count: int = Field(..., description="How many follow it now.")

"""API schemas of the resource list and the bounty board (see needs/api/resources.py). Business
rules stay in the services; these carry only the bounds that keep a request sane."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from qingshe.needs.models import BountyClaim, Need, Resource
from qingshe.needs.schemas import PersonRefOut


class OrgRefOut(Schema):
    id: int = Field(..., description="ID of the organisation.")
    name: str = Field(..., description="Full name.")
    kind: str = Field(
        ..., description="Its kind (`partner`, `university_committee`, `community`, …)."
    )


class GroupRefOut(Schema):
    id: int = Field(..., description="ID of the project group.")
    name: str = Field(..., description="Its name.")


def _org(org: Any) -> dict[str, Any] | None:
    return None if org is None else {"id": org.pk, "name": org.name, "kind": org.kind}


def _group(group: Any) -> dict[str, Any] | None:
    return None if group is None else {"id": group.pk, "name": group.name}


# --- resources ----------------------------------------------------------------------------------
class ResourceOut(Schema):
    id: int = Field(..., description="ID of the resource.")
    owner: OrgRefOut = Field(
        ..., description="The partner unit, university or department offering it."
    )
    kind: str = Field(..., description="`venue`, `goods`, `money`, `skills` or `internship`.")
    kind_label: str = Field(..., description="The kind, in the request's language.")
    title: str = Field(..., description="What is offered.")
    description: str = Field(..., description="Details: who may use it and how to ask for it.")
    quantity: Decimal | None = Field(
        None, description="Quantity or amount (a decimal string), if counted."
    )
    unit: str = Field(..., description="What the quantity counts (yuan, pieces, places…).")
    available_from: date | None = Field(
        None, description="First day it can be used (none: already)."
    )
    available_until: date | None = Field(
        None, description="Last day it can be used (none: open-ended)."
    )
    availability_note: str = Field(..., description="When it can be used, in words.")
    address: str = Field(..., description="Where it is.")
    state: str = Field(..., description="`available` or `withdrawn`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    groups: list[GroupRefOut] = Field(..., description="Project groups using it.")
    created_at: datetime = Field(..., description="When it was put on the list (UTC).")

    @staticmethod
    def resolve_owner(obj: Resource) -> dict[str, Any] | None:
        return _org(obj.owner)

    @staticmethod
    def resolve_kind_label(obj: Resource) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_label(obj: Resource) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_groups(obj: Resource) -> list[dict[str, Any]]:
        return [{"id": g.pk, "name": g.name} for g in obj.groups.all()]


class ResourceFilter(Schema):
    kind: str | None = Field(None, max_length=12, description="Only resources of this kind.")
    available_on: date | None = Field(None, description="Only resources available on this day.")
    owner: int | None = Field(None, description="Only resources of this organisation.")
    mine: bool = Field(False, description="Only resources of organisations the caller manages.")
    state: str | None = Field(
        None,
        max_length=10,
        description="`available` (the default) or `withdrawn` (seen only by those who manage them).",
    )


class ResourceIn(Schema):
    owner: int = Field(
        ..., description="ID of the partner unit, university or department offering it."
    )
    kind: str = Field(
        ..., max_length=12, description="`venue`, `goods`, `money`, `skills` or `internship`."
    )
    title: str = Field(..., max_length=200, description="What is offered (at most 120 characters).")
    description: str = Field("", max_length=4000, description="Details.")
    quantity: Decimal | None = Field(
        None, description="Quantity or amount, more than zero, at most two decimals."
    )
    unit: str = Field(
        "", max_length=40, description="What the quantity counts (at most 20 characters)."
    )
    available_from: date | None = Field(None, description="First day it can be used.")
    available_until: date | None = Field(
        None, description="Last day it can be used (not before available_from, not past)."
    )
    availability_note: str = Field(
        "", max_length=400, description="When it can be used, in words (at most 200 characters)."
    )
    address: str = Field(
        "", max_length=400, description="Where it is (default: the unit's address)."
    )


class ReasonIn(Schema):
    reason: str = Field("", max_length=1000, description="Why.")


# --- bounties -----------------------------------------------------------------------------------
class ClaimOut(Schema):
    id: int = Field(..., description="ID of the claim.")
    claimant: OrgRefOut = Field(
        ..., description="The university or department that took it up (揭榜)."
    )
    assigned_org: OrgRefOut | None = Field(
        None, description="The department carrying it out, once named."
    )
    assigned_group: GroupRefOut | None = Field(
        None, description="The project group carrying it out, if any."
    )
    plan: str = Field(..., description="How the claimant will do it.")
    state: str = Field(..., description="`active`, `withdrawn` or `done` (carried out).")
    state_label: str = Field(..., description="The state, in the request's language.")
    reason: str = Field(..., description="Why it was withdrawn (empty otherwise).")
    claimed_by: PersonRefOut | None = Field(None, description="The admin who took it up.")
    created_at: datetime = Field(..., description="When it was taken up (UTC).")

    @staticmethod
    def resolve_claimant(obj: BountyClaim) -> dict[str, Any] | None:
        return _org(obj.claimant)

    @staticmethod
    def resolve_assigned_org(obj: BountyClaim) -> dict[str, Any] | None:
        return _org(obj.assigned_org)

    @staticmethod
    def resolve_assigned_group(obj: BountyClaim) -> dict[str, Any] | None:
        return _group(obj.assigned_group)

    @staticmethod
    def resolve_state_label(obj: BountyClaim) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_claimed_by(obj: BountyClaim) -> dict[str, Any] | None:
        user = obj.claimed_by
        return None if user is None else {"id": user.pk, "name": user.name}


class BountyOut(Schema):
    id: int = Field(
        ..., description="ID of the need posted as a bounty (use it with /needs/{id}/claim)."
    )
    title: str = Field(..., description="What the community asks for.")
    description: str = Field(..., description="Details.")
    community: OrgRefOut = Field(..., description="The community that posted it (发榜).")
    project_type: str = Field(..., description="Project type.")
    project_type_label: str = Field(..., description="The project type, in the request's language.")
    service_field: str = Field(..., description="Field.")
    service_field_label: str = Field(..., description="The field, in the request's language.")
    work_kind: str = Field(..., description="`labour`, `skilled` or `professional`.")
    work_kind_label: str = Field(..., description="The kind of work, in the request's language.")
    people_needed: int = Field(..., description="How many people it needs.")
    starts_on: date | None = Field(None, description="From.")
    ends_on: date | None = Field(None, description="Until.")
    state: str = Field(
        ...,
        description="The need's state: `accepted` (open to take up), `claimed`, `in_progress`, `claimed_done`, `verified`, `closed`.",
    )
    state_label: str = Field(..., description="The state, in the request's language.")
    claim: ClaimOut | None = Field(
        None, description="The live claim (or the one that carried it out); none when open."
    )
    created_at: datetime = Field(..., description="When it was posted (UTC).")

    @staticmethod
    def resolve_community(obj: Need) -> dict[str, Any] | None:
        return _org(obj.community)

    @staticmethod
    def resolve_project_type_label(obj: Need) -> str:
        return str(obj.get_project_type_display())

    @staticmethod
    def resolve_service_field_label(obj: Need) -> str:
        return str(obj.get_service_field_display())

    @staticmethod
    def resolve_work_kind_label(obj: Need) -> str:
        return str(obj.get_work_kind_display())

    @staticmethod
    def resolve_state_label(obj: Need) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_claim(obj: Need) -> Any:
        current = getattr(obj, "current_claims", None) or []
        live = [c for c in current if c.state == BountyClaim.State.ACTIVE]
        return (live or current or [None])[0]


class BountyDetailOut(BountyOut):
    claims: list[ClaimOut] = Field(..., description="Every claim, newest first: the claim history.")

    @staticmethod
    def resolve_claims(obj: Need) -> list[BountyClaim]:
        return list(
            obj.claims.select_related(
                "claimant", "assigned_org", "assigned_group", "claimed_by"
            ).order_by("-created_at", "-pk")
        )


class BountyFilter(Schema):
    status: str | None = Field(
        None,
        max_length=8,
        description="`open` (to take up), `taken` (being carried out) or `done`.",
    )
    community: int | None = Field(None, description="Only bounties of this community.")


class AssignIn(Schema):
    assigned_org: int | None = Field(None, description="ID of a department of the claimant.")
    group: int | None = Field(
        None, description="ID of a project group owned in the claimant's tree."
    )


class WithdrawClaimIn(Schema):
    reason: str = Field(..., max_length=1000, description="Why the claim is withdrawn (required).")

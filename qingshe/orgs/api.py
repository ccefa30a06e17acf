"""API: the organisation tree as the caller may see it (`/orgs`, `/orgs/{id}`, children, members).

An organisation outside the caller's scope answers 404 `not_found`, exactly like one that does
not exist: the API never confirms that something it will not show exists.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from qingshe.accounts.selectors import phone_for_viewer
from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core import access
from qingshe.lib.ids import mask_phone
from qingshe.orgs import selectors
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

router = Router(tags=["organisations"])


# --- schemas ------------------------------------------------------------------------------------
class OrgOut(Schema):
    id: int = Field(..., description="ID of the organisation.")
    kind: str = Field(
        ..., description="Kind (`city_committee`, `street`, `community`, `class_branch`, …)."
    )
    kind_label: str = Field(..., description="The kind, in the request's language.")
    name: str = Field(..., description="Full name.")
    short_name: str = Field(..., description="Short name (may be empty).")
    parent_id: int | None = Field(
        None, description="ID of the parent organisation; null at the root."
    )
    depth: int = Field(..., description="Depth in the tree; the city committee is 0.")
    address: str = Field(..., description="Address (may be empty).")
    lat: float | None = Field(None, description="Latitude (WGS-84), if known.")
    lng: float | None = Field(None, description="Longitude (WGS-84), if known.")
    contact_name: str = Field(..., description="Contact person.")
    contact_phone: str = Field(
        ...,
        description="Contact phone; masked (3+4) unless the caller may manage the organisation.",
    )
    is_active: bool = Field(..., description="False when the organisation no longer takes part.")

    @staticmethod
    def resolve_kind_label(obj: Organisation) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_lat(obj: Organisation) -> float | None:
        return float(obj.lat) if obj.lat is not None else None

    @staticmethod
    def resolve_lng(obj: Organisation) -> float | None:
        return float(obj.lng) if obj.lng is not None else None

    @staticmethod
    def resolve_contact_phone(obj: Organisation, context: dict[str, Any]) -> str:
        request = context["request"]
        if not obj.contact_phone or access.can(request.auth, "org.manage", obj):
            return obj.contact_phone
        return mask_phone(obj.contact_phone)


class OrgFilter(Schema):
    q: str = Field("", max_length=100, description="Text in the name, short name or address.")
    kind: OrgKind | None = Field(None, description="Only organisations of this kind.")
    parent: int | None = Field(None, description="Only the direct children of this organisation.")


class MemberOut(Schema):
    id: int = Field(..., description="ID of the membership.")
    person_id: int = Field(..., description="ID of the person.")
    name: str = Field(..., description="The person's name.")
    volunteer_no: str = Field(..., description="The person's volunteer number.")
    phone: str = Field(..., description="Mobile number, always masked in lists (138****5678).")
    role: str = Field(..., description="Role code.")
    role_label: str = Field(..., description="The role, in the request's language.")
    start_date: date | None = Field(None, description="Start of the membership, if recorded.")
    end_date: date | None = Field(None, description="End of the membership, if recorded.")

    @staticmethod
    def resolve_person_id(obj: Membership) -> int:
        return obj.user_id

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.name

    @staticmethod
    def resolve_volunteer_no(obj: Membership) -> str:
        return obj.user.volunteer_no

    @staticmethod
    def resolve_phone(obj: Membership, context: dict[str, Any]) -> str:
        return phone_for_viewer(viewer=context["request"].auth, person=obj.user, in_list=True)

    @staticmethod
    def resolve_role_label(obj: Membership) -> str:
        return str(obj.get_role_display())


class MemberFilter(Schema):
    role: Role | None = Field(None, description="Only members with this role.")


# --- endpoints ----------------------------------------------------------------------------------
@router.get(
    "/orgs",
    response={200: list[OrgOut], **error_responses(401, 422)},
    summary="Organisations the caller may see",
)
@paginate
def org_list(request: HttpRequest, filters: Query[OrgFilter]) -> Any:
    """The subtrees of the caller's memberships, plus their ancestors; in tree order."""
    return selectors.org_list_for_user(
        user=request.auth,  # type: ignore[attr-defined]
        q=filters.q.strip(),
        kind=filters.kind or "",
        parent_id=filters.parent,
    )


@router.get(
    "/orgs/{org_id}",
    response={200: OrgOut, **error_responses(401, 404, 422)},
    summary="One organisation",
)
def org_detail(request: HttpRequest, org_id: int) -> Any:
    return selectors.org_get_for_user(user=request.auth, org_id=org_id)  # type: ignore[attr-defined]


@router.get(
    "/orgs/{org_id}/children",
    response={200: list[OrgOut], **error_responses(401, 404, 422)},
    summary="The visible children of an organisation",
)
@paginate
def org_children(request: HttpRequest, org_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    org = selectors.org_get_for_user(user=user, org_id=org_id)
    return selectors.org_children_for_user(user=user, org=org)


@router.get(
    "/orgs/{org_id}/members",
    response={200: list[MemberOut], **error_responses(401, 404, 422)},
    summary="People with a role directly in an organisation",
)
@paginate
def org_members(request: HttpRequest, org_id: int, filters: Query[MemberFilter]) -> Any:
    """For the stewards of the organisation's subtree and its own members; 404 to anyone else.
    Phone numbers are masked."""
    user = request.auth  # type: ignore[attr-defined]
    org = selectors.org_get_for_user(user=user, org_id=org_id)
    return selectors.org_members_for_user(user=user, org=org, role=filters.role or "")

"""API: the resource list (资源清单) and the bounty board (揭榜挂帅).

Thin endpoints: objects named in the path or body are found through the selectors (404
`not_found` for anything outside the caller's view, with `field` for a body field), then one
service is called; its errors reach the client with their status. Taking up a bounty is
`POST /needs/{id}/claim` (it calls services.bounty_claim); here are the claimant's next steps.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound
from qingshe.needs import selectors, services
from qingshe.needs.models import Resource
from qingshe.needs.schemas_resources import (
    AssignIn,
    BountyDetailOut,
    BountyFilter,
    BountyOut,
    ReasonIn,
    ResourceFilter,
    ResourceIn,
    ResourceOut,
    WithdrawClaimIn,
)
from qingshe.orgs import selectors as org_selectors

router = Router(tags=["resources"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _in_field(field: str, finder: Any, **kwargs: Any) -> Any:
    try:
        return finder(**kwargs)
    except NotFound as exc:
        exc.field = field
        raise


def _resource(request: HttpRequest, resource_id: int) -> Resource:
    resource = selectors.resource_get_for_user(user=_user(request), resource_id=resource_id)
    return resource


# --- resources ----------------------------------------------------------------------------------
@router.get(
    "/resources",
    response={200: list[ResourceOut], **error_responses(401, 422)},
    summary="The resource list",
)
@paginate
def resource_list(request: HttpRequest, filters: Query[ResourceFilter]) -> Any:
    """What partner units, universities and departments of the caller's city offer; open to
    league, university, community and partner roles (residents and students see an empty list).
    Newest first."""
    state = filters.state if filters.state in Resource.State.values else Resource.State.AVAILABLE
    return selectors.resource_list_for_user(
        user=_user(request),
        kind=filters.kind or "",
        available_on=filters.available_on,
        owner_id=filters.owner,
        mine=filters.mine,
        state=state,
    ).prefetch_related("groups")


@router.post(
    "/resources",
    response={201: ResourceOut, **error_responses(401, 403, 404, 422)},
    summary="Offer a resource",
)
def resource_create(request: HttpRequest, payload: ResourceIn) -> Any:
    """By the offering unit's partner contacts or admins (and the admins above). 404 `not_found`
    (field `owner`) for a unit the caller cannot see; 403 `forbidden`; 422 `invalid_owner`,
    `invalid_choice`, `title_required`, `title_too_long`, `invalid_quantity`, `quantity_required`,
    `unit_too_long`, `invalid_dates`, `date_in_past`, `note_too_long`, `address_too_long`."""
    user = _user(request)
    owner = _in_field("owner", org_selectors.org_get_for_user, user=user, org_id=payload.owner)
    resource = services.resource_create(
        actor=user,
        owner=owner,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        quantity=payload.quantity,
        unit=payload.unit,
        available_from=payload.available_from,
        available_until=payload.available_until,
        availability_note=payload.availability_note,
        address=payload.address,
    )
    return Status(201, _resource(request, resource.pk))


@router.get(
    "/resources/{resource_id}",
    response={200: ResourceOut, **error_responses(401, 404, 422)},
    summary="One resource",
)
def resource_detail(request: HttpRequest, resource_id: int) -> Any:
    return _resource(request, resource_id)


@router.post(
    "/resources/{resource_id}/withdraw",
    response={200: ResourceOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Withdraw a resource from the list",
)
def resource_withdraw(request: HttpRequest, resource_id: int, payload: ReasonIn) -> Any:
    """By its unit's contacts or admins; the groups using it are told. 403 `forbidden`; 409
    `resource_withdrawn` (already)."""
    resource = _resource(request, resource_id)
    services.resource_withdraw(actor=_user(request), resource=resource, reason=payload.reason)
    return _resource(request, resource_id)


# --- bounties -----------------------------------------------------------------------------------
def _bounty(request: HttpRequest, need_id: int) -> Any:
    return selectors.bounty_get_for_user(user=_user(request), need_id=need_id)


@router.get(
    "/bounties",
    response={200: list[BountyOut], **error_responses(401, 422)},
    summary="The bounty board",
)
@paginate
def bounty_list(request: HttpRequest, filters: Query[BountyFilter]) -> Any:
    """Bounties posted by communities: open ones first, then those being carried out, then those
    carried out; newest first within each. University and department admins see their city's
    board; a community sees its own; a project group's people see the bounty it carries out."""
    return selectors.bounty_board_for_user(
        user=_user(request), status=filters.status or "", community_id=filters.community
    )


@router.get(
    "/bounties/{need_id}",
    response={200: BountyDetailOut, **error_responses(401, 404, 422)},
    summary="One bounty with its claim history",
)
def bounty_detail(request: HttpRequest, need_id: int) -> Any:
    return _bounty(request, need_id)


@router.post(
    "/bounties/{need_id}/assign",
    response={200: BountyDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Hand a claimed bounty to a department or project group",
)
def bounty_assign(request: HttpRequest, need_id: int, payload: AssignIn) -> Any:
    """By the claimant's admins. 404 `not_found` (field `assigned_org` or `group`) for one the
    caller cannot see; 403 `forbidden`; 409 `bounty_not_claimed`, `bounty_not_open`,
    `group_closed`; 422 `invalid_assignee`, `invalid_group`, `assignee_required`."""
    user = _user(request)
    need = _bounty(request, need_id)
    org = group = None
    if payload.assigned_org is not None:
        org = _in_field(
            "assigned_org", org_selectors.org_get_for_user, user=user, org_id=payload.assigned_org
        )
    if payload.group is not None:
        group = _in_field("group", selectors.group_get_for_user, user=user, group_id=payload.group)
    services.bounty_assign(actor=user, need=need, assigned_org=org, group=group)
    return _bounty(request, need_id)


@router.post(
    "/bounties/{need_id}/start",
    response={200: BountyDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Start the work on a claimed bounty",
)
def bounty_start(request: HttpRequest, need_id: int) -> Any:
    """By the claimant's or the assigned department's admins, or those who run the assigned
    group; the need moves claimed → in progress. 403 `forbidden`; 409 `bounty_not_claimed`,
    `invalid_state`."""
    need = _bounty(request, need_id)
    services.bounty_start(actor=_user(request), need=need)
    return _bounty(request, need_id)


@router.post(
    "/bounties/{need_id}/withdraw",
    response={200: BountyDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Withdraw a claim: the bounty is open again",
)
def bounty_withdraw(request: HttpRequest, need_id: int, payload: WithdrawClaimIn) -> Any:
    """By the claimant's admins, or the posting community taking it back; the need goes back to
    accepted. 403 `forbidden`; 409 `bounty_not_claimed`, `invalid_state` (already reported done);
    422 `reason_required`."""
    need = _bounty(request, need_id)
    services.bounty_withdraw(actor=_user(request), need=need, reason=payload.reason)
    return _bounty(request, need_id)

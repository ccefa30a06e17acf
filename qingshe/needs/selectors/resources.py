"""Reads of the resource list, the bounty board and project tasks that depend on who asks.

- The resource list is open to every league, university, community and partner role of the
  city (not to residents and students); withdrawn resources only to those who manage them.
- The bounty board shows a city's bounties to the university and department admins of that
  city (who may take them up), to the posting community (and those above it who see its needs),
  and to whoever sees the project group carrying one out.
- Tasks of a group are seen by whoever sees the group.
Outsiders get NotFound, exactly as for a row that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.needs.models import (
    BountyClaim,
    Need,
    ProjectGroup,
    ProjectMember,
    ProjectTask,
    Resource,
)
from qingshe.needs.selectors.projects import _groups_visible_q
from qingshe.needs.services import (
    CLAIMANT_KINDS,
    RESOURCE_OWNER_KINDS,
    can_manage_resource,
    can_run_tasks,
    can_start_bounty,
    can_withdraw_bounty,
)
from qingshe.orgs.models import Organisation, OrgKind, Role

__all__ = [
    "BOARD_FILTERS",
    "RESOURCE_VIEW_ROLES",
    "assignable_departments",
    "assignable_groups",
    "bounty_board_for_user",
    "bounty_claims",
    "bounty_get_for_user",
    "bounty_permissions",
    "claimants_for",
    "group_linked_needs",
    "group_resources",
    "group_task_members",
    "group_tasks_for_user",
    "linkable_resources",
    "open_bounties_for",
    "resource_get_for_user",
    "resource_groups",
    "resource_list_for_user",
    "resource_owners_for",
    "resource_permissions",
    "task_get_for_user",
    "task_permissions",
]

RESOURCE_VIEW_ROLES = frozenset(
    {
        Role.LEAGUE_ADMIN,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_ADMIN,
        Role.BRANCH_SECRETARY,
        Role.INSTRUCTOR,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.PARTNER_CONTACT,
    }
)
S = Need.State
BOARD_STATES = (S.ACCEPTED, S.CLAIMED, S.IN_PROGRESS, S.CLAIMED_DONE, S.VERIFIED, S.CLOSED)
# The board's filter: open to be taken up, taken (being carried out), carried out.
BOARD_FILTERS: dict[str, tuple[str, ...]] = {
    "open": (S.ACCEPTED,),
    "taken": (S.CLAIMED, S.IN_PROGRESS, S.CLAIMED_DONE),
    "done": (S.VERIFIED, S.CLOSED),
}
CURRENT_CLAIM_STATES = (BountyClaim.State.ACTIVE, BountyClaim.State.DONE)


def _city_q(user: Any, roles: frozenset[str], *, prefix: str) -> Q:
    """Rows whose organisation lies in a city where `user` holds one of `roles` anywhere."""
    cities = {g.path.strip("/").split("/")[0] for g in access.grants(user) if g.role in roles}
    q = Q(pk__in=[])
    for city in sorted(cities):
        q |= Q(**{f"{prefix}path__startswith": f"/{city}/"})
    return q


# --- resources ----------------------------------------------------------------------------------
def _resources_visible_q(user: Any) -> Q:
    if access.is_platform_staff(user):
        return Q()
    managed = access.subtree_q(user, access.ORG_ACTIONS["resource.manage"], prefix="owner__")
    return (
        _city_q(user, RESOURCE_VIEW_ROLES, prefix="owner__") & Q(state=Resource.State.AVAILABLE)
    ) | managed


def resource_list_for_user(
    *,
    user: Any,
    kind: str = "",
    available_on: date | None = None,
    owner_id: int | None = None,
    state: str = Resource.State.AVAILABLE,
    mine: bool = False,
) -> QuerySet[Resource]:
    """The resource list: kind, a day on which it is available, the offering organisation, and
    `mine` for the resources the person manages. `state=""` lists every state they may see."""
    qs = Resource.objects.filter(_resources_visible_q(user)).select_related("owner")
    if mine:
        qs = qs.filter(
            access.subtree_q(user, access.ORG_ACTIONS["resource.manage"], prefix="owner__")
        )
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if available_on is not None:
        qs = qs.filter(
            Q(available_from__isnull=True) | Q(available_from__lte=available_on),
            Q(available_until__isnull=True) | Q(available_until__gte=available_on),
        )
    return qs.annotate(group_count=Count("groups", distinct=True)).order_by(
        "state", "-created_at", "-pk"
    )


def resource_get_for_user(*, user: Any, resource_id: int) -> Resource:
    resource = resource_list_for_user(user=user, state="").filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("not_found", _("No such resource."))
    return resource


def resource_groups(*, user: Any, resource: Resource) -> list[dict[str, Any]]:
    """The groups using a resource; `visible` says whether the person may open the group."""
    groups = list(resource.groups.select_related("owner").order_by("name", "pk"))
    seen = set(
        ProjectGroup.objects.filter(
            _groups_visible_q(user), pk__in=[g.pk for g in groups]
        ).values_list("pk", flat=True)
    )
    return [{"group": g, "visible": g.pk in seen} for g in groups]


def resource_owners_for(*, user: Any) -> QuerySet[Organisation]:
    """The partner units, universities and departments whose resources this person manages."""
    return (
        Organisation.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["resource.manage"]),
            kind__in=RESOURCE_OWNER_KINDS,
            is_active=True,
        )
        .select_related("parent")
        .order_by("path")
    )


def linkable_resources(*, user: Any, group: ProjectGroup) -> QuerySet[Resource]:
    """Available resources of the group's city that it does not use yet."""
    return (
        Resource.objects.filter(
            state=Resource.State.AVAILABLE, owner__path__startswith=f"/{group.owner.city_id}/"
        )
        .exclude(groups=group)
        .select_related("owner")
        .order_by("kind", "title", "pk")
    )


# --- bounties -----------------------------------------------------------------------------------
def _bounties_visible_q(user: Any) -> Q:
    if access.is_platform_staff(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = _city_q(user, access.ORG_ACTIONS["bounty.claim"], prefix="community__")
    if access.has_role(user, access.ORG_ACTIONS["need.view"]):
        q |= access.subtree_q(user, access.ORG_ACTIONS["need.view"], prefix="community__")
    carried = BountyClaim.objects.filter(
        state__in=CURRENT_CLAIM_STATES,
        assigned_group__in=ProjectGroup.objects.filter(_groups_visible_q(user)).values("pk"),
    ).values("need_id")
    return q | Q(pk__in=carried)


def _current_claims() -> Prefetch:
    return Prefetch(
        "claims",
        queryset=BountyClaim.objects.filter(state__in=CURRENT_CLAIM_STATES).select_related(
            "claimant", "assigned_org", "assigned_group", "claimed_by"
        ),
        to_attr="current_claims",
    )


def bounty_board_for_user(
    *, user: Any, status: str = "", community_id: int | None = None
) -> QuerySet[Need]:
    """Posted bounties, open ones first (then being carried out, then carried out), newest first
    within each; each carries `current_claims` (the live or finished claim, at most one)."""
    qs = Need.objects.filter(_bounties_visible_q(user), is_bounty=True, state__in=BOARD_STATES)
    if status in BOARD_FILTERS:
        qs = qs.filter(state__in=BOARD_FILTERS[status])
    if community_id:
        qs = qs.filter(community_id=community_id)
    return (
        qs.select_related("community")
        .prefetch_related(_current_claims())
        .annotate(
            board_order=Case(
                When(state__in=BOARD_FILTERS["open"], then=Value(0)),
                When(state__in=BOARD_FILTERS["taken"], then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("board_order", "-created_at", "-pk")
    )


def bounty_get_for_user(*, user: Any, need_id: int) -> Need:
    need = bounty_board_for_user(user=user).filter(pk=need_id).first()
    if need is None:
        raise NotFound("not_found", _("No such bounty."))
    return need


def bounty_claims(*, need: Need) -> QuerySet[BountyClaim]:
    """Every claim of a bounty, newest first: the claim history."""
    return (
        BountyClaim.objects.filter(need=need)
        .select_related("claimant", "assigned_org", "assigned_group", "claimed_by")
        .order_by("-created_at", "-pk")
    )


def claimants_for(*, user: Any) -> list[Organisation]:
    """The universities and departments in whose name this person may take up a bounty: the
    organisations where they hold an admin role."""
    roles = access.ORG_ACTIONS["bounty.claim"]
    ids = [g.org_id for g in access.grants(user) if g.role in roles]
    if not ids:
        return []
    return list(
        Organisation.objects.filter(pk__in=ids, kind__in=CLAIMANT_KINDS, is_active=True).order_by(
            "path"
        )
    )


def _under(orgs: list[Organisation], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for org in orgs:
        q |= Q(**{f"{prefix}path__startswith": org.path})
    return q


def assignable_departments(*, claimants: list[Organisation]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        _under(claimants), kind=OrgKind.DEPARTMENT_COMMITTEE, is_active=True
    ).order_by("path")


def assignable_groups(*, claimants: list[Organisation]) -> QuerySet[ProjectGroup]:
    return (
        ProjectGroup.objects.filter(_under(claimants, "owner__"), state=ProjectGroup.State.OPEN)
        .select_related("owner")
        .order_by("owner__path", "name", "pk")
    )


def bounty_permissions(
    *, user: Any, need: Need, claimants: list[Organisation] | None = None, steps: bool = True
) -> dict[str, Any]:
    """What the page offers this person on this bounty (each is checked again by the service).
    `steps=False` (the board) leaves out the claimant's next steps, which cost a query each."""
    current = getattr(need, "current_claims", None)
    if current is None:
        current = list(
            BountyClaim.objects.filter(need=need, state__in=CURRENT_CLAIM_STATES).select_related(
                "claimant", "assigned_org", "assigned_group"
            )
        )
    claim = next((c for c in current if c.state == BountyClaim.State.ACTIVE), None)
    if claimants is None:
        claimants = claimants_for(user=user)
    city = need.community.city_id
    mine = [c for c in claimants if c.city_id == city]
    live = steps and claim is not None and need.state in (S.CLAIMED, S.IN_PROGRESS)
    return {
        "claim": claim,
        "done_claim": next((c for c in current if c.state == BountyClaim.State.DONE), None),
        "claimants": mine,
        "can_claim": need.state == S.ACCEPTED and claim is None and bool(mine),
        "can_assign": live and access.can(user, "bounty.claim", claim.claimant),
        "can_start": live and need.state == S.CLAIMED and can_start_bounty(user, claim),
        "can_withdraw": live and can_withdraw_bounty(user, claim, need),
    }


def open_bounties_for(*, user: Any) -> QuerySet[Need]:
    """Bounties open to be taken up in the cities where this person may take them up."""
    return (
        Need.objects.filter(
            _city_q(user, access.ORG_ACTIONS["bounty.claim"], prefix="community__"),
            is_bounty=True,
            state=S.ACCEPTED,
        )
        .select_related("community")
        .order_by("-created_at", "-pk")
    )


# --- tasks and links of a project group ---------------------------------------------------------
def group_tasks_for_user(
    *, user: Any, group: ProjectGroup, state: str = ""
) -> QuerySet[ProjectTask]:
    """A group's tasks for whoever sees the group (the caller found it through the selectors):
    open ones first (in progress, to do), by due date, then done and dropped."""
    qs = ProjectTask.objects.filter(group=group).select_related("assignee", "need")
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(
        list_order=Case(
            When(state=ProjectTask.State.DOING, then=Value(0)),
            When(state=ProjectTask.State.TODO, then=Value(1)),
            When(state=ProjectTask.State.DONE, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("list_order", F("due_on").asc(nulls_last=True), "pk")


def task_get_for_user(*, user: Any, group: ProjectGroup, task_id: int) -> ProjectTask:
    task = group_tasks_for_user(user=user, group=group).filter(pk=task_id).first()
    if task is None:
        raise NotFound("not_found", _("No such task."))
    return task


def group_task_members(*, group: ProjectGroup) -> QuerySet[Any]:
    """The people a task can go to: the group's accepted members."""
    from qingshe.accounts.models import User

    members = ProjectMember.objects.filter(group=group, state=ProjectMember.State.ACCEPTED).values(
        "user_id"
    )
    return User.objects.filter(pk__in=members).order_by("name", "pk")


def group_linked_needs(*, group: ProjectGroup) -> QuerySet[Need]:
    """Needs linked to the group (a bounty it carries out, or a need given to it)."""
    return (
        Need.objects.filter(project_group=group)
        .select_related("community")
        .order_by("-created_at", "-pk")
    )


def group_resources(*, group: ProjectGroup) -> QuerySet[Resource]:
    return group.resources.select_related("owner").order_by("kind", "title", "pk")


def resource_permissions(*, user: Any, resource: Resource) -> dict[str, bool]:
    manage = (
        can_manage_resource(user, resource.owner) and resource.state == Resource.State.AVAILABLE
    )
    return {"can_manage": manage, "can_withdraw": manage}


def task_permissions(*, user: Any, group: ProjectGroup) -> dict[str, bool]:
    return {"can_run_tasks": group.state == ProjectGroup.State.OPEN and can_run_tasks(user, group)}

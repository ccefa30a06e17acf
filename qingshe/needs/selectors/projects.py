"""Reads of project groups that depend on who asks. An outsider gets NotFound, exactly as for
a group that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from qingshe.core import access, sql
from qingshe.core.errors import NotFound
from qingshe.lib.ids import mask_phone
from qingshe.needs.models import ProjectGroup, ProjectMember
from qingshe.needs.services import GROUP_OWNER_KINDS, can_decide, can_manage_group, eligible_to_join
from qingshe.orgs.models import Organisation

MemberState = ProjectMember.State
MemberRole = ProjectMember.Role


def _groups_visible_q(user: Any) -> Q:
    """The groups of organisations the person may see (their subtrees, and the departments above
    their branch, whose groups they may join), groups they belong to, and groups they instruct."""
    if access.is_platform_staff(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(owner__in=Organisation.objects.filter(access.orgs_visible_q(user)).values("pk"))
    mine = ProjectMember.objects.filter(user_id=user.pk).values("group_id")
    return q | Q(pk__in=mine) | Q(instructor_id=user.pk)


def group_list_for_user(
    *,
    user: Any,
    project_type: str = "",
    service_field: str = "",
    state: str = "",
    owner_id: int | None = None,
) -> QuerySet[ProjectGroup]:
    qs = (
        ProjectGroup.objects.filter(_groups_visible_q(user))
        .select_related("owner", "instructor")
        .annotate(
            member_count=Count(
                "members", filter=Q(members__state=MemberState.ACCEPTED), distinct=True
            ),
        )
    )
    if project_type:
        qs = qs.filter(project_type=project_type)
    if service_field:
        qs = qs.filter(service_field=service_field)
    if state:
        qs = qs.filter(state=state)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by("state", "-created_at", "-pk")


def group_get_for_user(*, user: Any, group_id: int) -> ProjectGroup:
    group = group_list_for_user(user=user).filter(pk=group_id).first()
    if group is None:
        raise NotFound("not_found", _("No such project group."))
    return group


def member_get_for_user(*, user: Any, group: ProjectGroup, member_id: int) -> ProjectMember:
    """A membership row of a group the person can see; applications are seen only by those who
    decide on them and by the applicant."""
    member = group_members_for_user(user=user, group=group).filter(pk=member_id).first()
    if member is None:
        raise NotFound("not_found", _("No such member or application."))
    return member


def group_members_for_user(
    *, user: Any, group: ProjectGroup, state: str = ""
) -> QuerySet[ProjectMember]:
    """Accepted members for everyone who sees the group; applications and history too for those
    who decide, and a person's own rows for that person."""
    qs = ProjectMember.objects.filter(group=group).select_related("user")
    if not can_decide(user, group):
        qs = qs.filter(Q(state=MemberState.ACCEPTED) | Q(user_id=getattr(user, "pk", None)))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-role", "created_at", "pk")


def member_phone(*, user: Any, group: ProjectGroup, member: ProjectMember) -> str:
    """Phones only to those who decide on the group, and masked (3+4)."""
    if can_decide(user, group) and member.user.phone:
        return mask_phone(member.user.phone)
    return ""


def group_permissions(*, user: Any, group: ProjectGroup) -> dict[str, Any]:
    """What the page offers this person on this group (each is checked again by the service)."""
    own = (
        ProjectMember.objects.filter(
            group=group, user_id=getattr(user, "pk", None), state__in=ProjectMember.LIVE_STATES
        ).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    is_open = group.state == ProjectGroup.State.OPEN
    manage = can_manage_group(user, group.owner)
    return {
        "own": own,
        "can_manage": manage and is_open,
        "can_close": manage and is_open,
        "can_decide": can_decide(user, group),
        "can_set_role": (manage or group.instructor_id == getattr(user, "pk", None)) and is_open,
        "can_apply": is_open and own is None and eligible_to_join(user, group),
    }


def applications_waiting_for(*, user: Any) -> QuerySet[ProjectMember]:
    """Applications this person may decide on, oldest first."""
    roles = access.ORG_ACTIONS["project.decide"]
    q = access.subtree_q(user, roles, prefix="group__owner__")
    if getattr(user, "pk", None):
        q |= Q(group__instructor_id=user.pk)
        q |= Q(
            group__in=ProjectMember.objects.filter(
                user_id=user.pk, role=MemberRole.LEADER, state=MemberState.ACCEPTED
            ).values("group_id")
        )
    return (
        ProjectMember.objects.filter(
            q, state=MemberState.APPLIED, group__state=ProjectGroup.State.OPEN
        )
        .select_related("user", "group__owner")
        .order_by("created_at", "pk")
    )


def may_decide_as_leader_or_instructor(*, user: Any) -> bool:
    """Whether the person instructs a project group or is an accepted leader of one: for someone
    who holds no deciding role, the only ways an application can wait for them
    (`applications_waiting_for`). One small statement, written out so that the home page of a
    student who leads nothing does not build the whole query; True may still find nothing."""
    from django.db import connection

    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    group, member = ProjectGroup, ProjectMember
    statement = (
        f"SELECT 1 FROM {sql.table(group)} WHERE {sql.column(group, 'instructor')} = %s"  # noqa: S608
        f" UNION ALL SELECT 1 FROM {sql.table(member)} WHERE {sql.column(member, 'user')} = %s"
        f" AND {sql.column(member, 'role')} = %s AND {sql.column(member, 'state')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS({statement})",
            [pk, pk, MemberRole.LEADER.value, MemberState.ACCEPTED.value],
        )
        return bool(cursor.fetchone()[0])


def my_applications(*, user: Any, state: str = "") -> QuerySet[ProjectMember]:
    qs = ProjectMember.objects.filter(user_id=getattr(user, "pk", None)).select_related(
        "group__owner", "decided_by"
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-pk")


def owners_for_user(*, user: Any) -> QuerySet[Organisation]:
    """The branches and departments whose groups this person may form."""
    roles = access.ORG_ACTIONS["project.manage"]
    return (
        Organisation.objects.filter(
            access.subtree_q(user, roles), kind__in=GROUP_OWNER_KINDS, is_active=True
        )
        .select_related("parent")
        .order_by("path")
    )


def instructors_for(*, owner: Organisation) -> QuerySet[Any]:
    """The instructors who may guide a group of `owner` (held at it or above it)."""
    from qingshe.orgs.models import Role

    return access.holders_over(owner, [Role.INSTRUCTOR]).order_by("name", "pk")

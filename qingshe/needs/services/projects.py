"""Project groups (项目组): creation, editing, closing, joining, roles."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.needs.models import (
    ProjectGroup,
    ProjectMember,
    ProjectType,
    Responsibility,
    ServiceField,
)
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

GROUP_OWNER_KINDS = {OrgKind.CLASS_BRANCH, OrgKind.DEPARTMENT_COMMITTEE}
MIN_STATEMENT = 10
MAX_RESPONSIBILITIES = 20
MemberState = ProjectMember.State
MemberRole = ProjectMember.Role


def group_url(group: ProjectGroup) -> str:
    return f"/projects/{group.pk}/"


def can_manage_group(user: Any, owner: Organisation) -> bool:
    """Branch secretary or department admin over the owner (or an admin above it)."""
    return access.can(user, "project.manage", owner)


def is_group_leader(user: Any, group: ProjectGroup) -> bool:
    if not getattr(user, "pk", None):
        return False
    return ProjectMember.objects.filter(
        group=group, user_id=user.pk, role=MemberRole.LEADER, state=MemberState.ACCEPTED
    ).exists()


def can_decide(user: Any, group: ProjectGroup) -> bool:
    """Who decides on applications: the owner's branch secretary or department admin (and the
    admins above), the group's instructor, and its leader."""
    if access.can(user, "project.decide", group.owner):
        return True
    if group.instructor_id is not None and group.instructor_id == getattr(user, "pk", None):
        return True
    return is_group_leader(user, group)


def eligible_to_join(user: Any, group: ProjectGroup) -> bool:
    """A student member of a class branch in the owner's subtree: the branch's own students for
    a branch group, the department's students for a department group."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        role__in=access.ORG_ACTIONS["project.join"],
        is_active=True,
        org__kind=OrgKind.CLASS_BRANCH,
        org__path__startswith=group.owner.path,
    ).exists()


def deciders_of(group: ProjectGroup) -> list[Any]:
    """Whom to tell that an application waits: the owner's secretaries and department admins,
    the instructor and the leader (not every admin above, who may decide but need no ping)."""
    users = list(access.holders_over(group.owner, [Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN]))
    if group.instructor_id is not None and group.instructor is not None:
        users.append(group.instructor)
    leader = (
        ProjectMember.objects.filter(
            group=group, role=MemberRole.LEADER, state=MemberState.ACCEPTED
        )
        .select_related("user")
        .first()
    )
    if leader is not None:
        users.append(leader.user)
    return users


def _clean_group_fields(
    *,
    owner: Organisation,
    name: str,
    goal: str,
    project_type: str,
    service_field: str,
    instructor: Any | None,
    responsibilities: list[str],
) -> tuple[str, str, list[str]]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please enter the group's name."), field="name")
    if len(name) > 80:
        raise ValidationFailed(
            "name_too_long", _("A name has at most 80 characters."), field="name"
        )
    goal = (goal or "").strip()
    if not goal:
        raise ValidationFailed(
            "goal_required", _("Please say what the group sets out to achieve."), field="goal"
        )
    for value, choices, field in (
        (project_type, ProjectType, "project_type"),
        (service_field, ServiceField, "service_field"),
    ):
        if value not in choices.values:
            raise ValidationFailed(
                "invalid_choice", _("Choose one of the listed options."), field=field
            )
    if instructor is not None and not access.holds_over(instructor, owner, {Role.INSTRUCTOR}):
        raise ValidationFailed(
            "invalid_instructor",
            _("The instructor must be an instructor of this department."),
            field="instructor",
        )
    items = [(r or "").strip() for r in responsibilities or []]
    items = [r for r in items if r]
    if len(items) > MAX_RESPONSIBILITIES:
        raise ValidationFailed(
            "too_many_responsibilities",
            _("A responsibility list has at most %(n)d lines.") % {"n": MAX_RESPONSIBILITIES},
            field="responsibilities",
        )
    if any(len(r) > 200 for r in items):
        raise ValidationFailed(
            "responsibility_too_long",
            _("Each responsibility has at most 200 characters."),
            field="responsibilities",
        )
    return name, goal, items


def _set_responsibilities(group: ProjectGroup, items: list[str]) -> None:
    group.responsibilities.all().delete()
    Responsibility.objects.bulk_create(
        Responsibility(group=group, text=text, order=i) for i, text in enumerate(items, start=1)
    )


@transaction.atomic
def project_group_create(
    *,
    actor: Any,
    owner: Organisation,
    name: str,
    goal: str,
    project_type: str,
    service_field: str,
    instructor: Any | None = None,
    responsibilities: list[str] | None = None,
) -> ProjectGroup:
    """A class branch or a department committee forms a project group (组建项目组)."""
    if owner.kind not in GROUP_OWNER_KINDS:
        raise ValidationFailed(
            "invalid_owner",
            _("A project group belongs to a class branch or a department."),
            field="owner",
        )
    if not can_manage_group(actor, owner):
        raise AccessDenied(
            "forbidden",
            _("Only the branch's secretary or the department's admins can form its groups."),
        )
    name, goal, items = _clean_group_fields(
        owner=owner,
        name=name,
        goal=goal,
        project_type=project_type,
        service_field=service_field,
        instructor=instructor,
        responsibilities=responsibilities or [],
    )
    if ProjectGroup.objects.filter(owner=owner, name=name).exists():
        raise Conflict(
            "duplicate_group", _("This unit already has a group of that name."), field="name"
        )
    try:
        with transaction.atomic():
            group = ProjectGroup.objects.create(
                owner=owner,
                name=name,
                goal=goal,
                project_type=project_type,
                service_field=service_field,
                instructor=instructor,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError as exc:
        raise Conflict(
            "duplicate_group", _("This unit already has a group of that name."), field="name"
        ) from exc
    _set_responsibilities(group, items)
    audit(
        actor=actor,
        action="project.create",
        obj=group,
        org=owner,
        data={"responsibilities": len(items)},
    )
    if instructor is not None:
        notify(
            users=[instructor],
            kind="project.instructor",
            title=lambda: (
                _("You are the instructor of the project group %(group)s") % {"group": name}
            ),
            url=group_url(group),
        )
    return group


@transaction.atomic
def project_group_update(
    *,
    actor: Any,
    group: ProjectGroup,
    name: str,
    goal: str,
    project_type: str,
    service_field: str,
    instructor: Any | None = None,
    responsibilities: list[str] | None = None,
) -> ProjectGroup:
    group = ProjectGroup.objects.select_for_update().select_related("owner").get(pk=group.pk)
    if not can_manage_group(actor, group.owner):
        raise AccessDenied(
            "forbidden",
            _("Only the branch's secretary or the department's admins can change its groups."),
        )
    if group.state == ProjectGroup.State.CLOSED:
        raise Conflict("group_closed", _("This group is closed."))
    name, goal, items = _clean_group_fields(
        owner=group.owner,
        name=name,
        goal=goal,
        project_type=project_type,
        service_field=service_field,
        instructor=instructor,
        responsibilities=responsibilities or [],
    )
    if ProjectGroup.objects.filter(owner=group.owner, name=name).exclude(pk=group.pk).exists():
        raise Conflict(
            "duplicate_group", _("This unit already has a group of that name."), field="name"
        )
    new_instructor = instructor is not None and instructor.pk != group.instructor_id
    changed = [
        f
        for f, v in (
            ("name", name),
            ("goal", goal),
            ("project_type", project_type),
            ("service_field", service_field),
        )
        if getattr(group, f) != v
    ]
    group.name, group.goal, group.project_type, group.service_field = (
        name,
        goal,
        project_type,
        service_field,
    )
    if instructor is None and group.instructor_id is not None or new_instructor:
        changed.append("instructor")
    group.instructor = instructor
    group.save()
    old_items = list(group.responsibilities.values_list("text", flat=True))
    if old_items != items:
        _set_responsibilities(group, items)
        changed.append("responsibilities")
    audit(
        actor=actor, action="project.update", obj=group, org=group.owner, data={"changed": changed}
    )
    if new_instructor:
        notify(
            users=[instructor],
            kind="project.instructor",
            title=lambda: (
                _("You are the instructor of the project group %(group)s") % {"group": name}
            ),
            url=group_url(group),
        )
    return group


@transaction.atomic
def project_group_close(*, actor: Any, group: ProjectGroup, reason: str = "") -> ProjectGroup:
    """Close a group: it takes no more applications; those still waiting are declined."""
    group = ProjectGroup.objects.select_for_update().select_related("owner").get(pk=group.pk)
    if not can_manage_group(actor, group.owner):
        raise AccessDenied(
            "forbidden",
            _("Only the branch's secretary or the department's admins can close its groups."),
        )
    if group.state == ProjectGroup.State.CLOSED:
        raise Conflict("group_closed", _("This group is already closed."))
    group.state = ProjectGroup.State.CLOSED
    group.save(update_fields=["state", "updated_at"])
    waiting = list(
        ProjectMember.objects.select_for_update()
        .filter(group=group, state=MemberState.APPLIED)
        .select_related("user")
    )
    now = timezone.now()
    reason = (reason or "").strip()
    ProjectMember.objects.filter(pk__in=[m.pk for m in waiting]).update(
        state=MemberState.DECLINED, decided_by=actor, decided_at=now, reason=reason, updated_at=now
    )
    audit(
        actor=actor,
        action="project.close",
        obj=group,
        org=group.owner,
        data={"declined": len(waiting), "reason": reason},
    )
    name = group.name
    notify(
        users=[m.user for m in waiting],
        kind="project.closed",
        title=lambda: (
            _("The project group %(group)s has closed; your application was not taken up")
            % {"group": name}
        ),
        url=group_url(group),
    )
    return group


@transaction.atomic
def project_join_apply(*, actor: Any, group: ProjectGroup, statement: str) -> ProjectMember:
    """A student applies to join a project group (报名加入项目组), with a statement."""
    group = ProjectGroup.objects.select_related("owner", "instructor").get(pk=group.pk)
    if not eligible_to_join(actor, group):
        raise AccessDenied(
            "forbidden",
            _("Only students of this group's branch or department can apply to join it."),
        )
    if group.state != ProjectGroup.State.OPEN:
        raise Conflict("group_closed", _("This group is closed and takes no applications."))
    from qingshe.accounts.services import has_guardian_consent, is_minor

    if is_minor(actor) and not has_guardian_consent(actor):  # PIPL art. 31 (issue 11)
        raise ValidationFailed(
            "guardian_consent_required",
            _("A volunteer under 18 needs a guardian's consent on file."),
        )
    statement = (statement or "").strip()
    if len(statement) < MIN_STATEMENT:
        raise ValidationFailed(
            "statement_too_short",
            _("Write at least %(n)d characters on why you want to join.") % {"n": MIN_STATEMENT},
            field="statement",
        )
    live = ProjectMember.objects.filter(
        group=group, user_id=actor.pk, state__in=ProjectMember.LIVE_STATES
    ).first()
    if live is not None:
        if live.state == MemberState.ACCEPTED:
            raise Conflict("already_member", _("You are already a member of this group."))
        raise Conflict("duplicate_application", _("You have already applied to this group."))
    try:
        with transaction.atomic():
            member = ProjectMember.objects.create(group=group, user=actor, statement=statement)
    except IntegrityError as exc:
        raise Conflict(
            "duplicate_application", _("You have already applied to this group.")
        ) from exc
    audit(
        actor=actor, action="project.apply", obj=member, org=group.owner, data={"group": group.pk}
    )
    student, name = actor.name, group.name
    notify(
        users=deciders_of(group),
        kind="project.to_decide",
        title=lambda: (
            _("%(student)s applied to join %(group)s: please accept or decline")
            % {"student": student, "group": name}
        ),
        url=group_url(group),
    )
    return member


@transaction.atomic
def project_join_decide(
    *, actor: Any, member: ProjectMember, accept: bool, reason: str = ""
) -> ProjectMember:
    """Accept or decline an application. The row is locked, so of two deciders pressing at once
    one acts and the other is told it was already decided (409)."""
    member = (
        ProjectMember.objects.select_for_update(of=("self",))
        .select_related("group__owner", "user")
        .get(pk=member.pk)
    )
    group = member.group
    if not can_decide(actor, group):
        raise AccessDenied(
            "forbidden",
            _(
                "Only the group's leader, its instructor or the unit's secretary or admins can decide."
            ),
        )
    if member.state != MemberState.APPLIED:
        raise Conflict("already_decided", _("This application has already been decided."))
    if group.state != ProjectGroup.State.OPEN:
        raise Conflict("group_closed", _("This group is closed and takes no applications."))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationFailed(
            "reason_required", _("Please give the student a reason."), field="reason"
        )
    member.state = MemberState.ACCEPTED if accept else MemberState.DECLINED
    member.reason = reason
    member.decided_by = actor
    member.decided_at = timezone.now()
    member.save(update_fields=["state", "reason", "decided_by", "decided_at", "updated_at"])
    audit(
        actor=actor,
        action="project.accept" if accept else "project.decline",
        obj=member,
        org=group.owner,
        data={"group": group.pk, "reason": reason},
    )
    name = group.name
    if accept:
        title = lambda: _("You have joined the project group %(group)s") % {"group": name}  # noqa: E731
    else:
        title = lambda: (  # noqa: E731
            _("Your application to %(group)s was declined: %(reason)s")
            % {"group": name, "reason": reason}
        )
    notify(users=[member.user], kind="project.decided", title=title, url=group_url(group))
    return member


@transaction.atomic
def project_member_set_role(*, actor: Any, member: ProjectMember, role: str) -> ProjectMember:
    """Make an accepted member the leader (组长), or a member again. One leader per group: the
    previous leader becomes a member."""
    group = ProjectGroup.objects.select_for_update().select_related("owner").get(pk=member.group_id)
    member = ProjectMember.objects.select_related("user").get(pk=member.pk)
    if not (
        can_manage_group(actor, group.owner) or group.instructor_id == getattr(actor, "pk", None)
    ):
        raise AccessDenied(
            "forbidden",
            _("Only the unit's secretary or admins, or the instructor, can name the leader."),
        )
    if role not in MemberRole.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="role"
        )
    if member.state != MemberState.ACCEPTED:
        raise Conflict("not_a_member", _("Only an accepted member can have a role in the group."))
    if member.role == role:
        return member
    if role == MemberRole.LEADER:
        ProjectMember.objects.filter(
            group=group, role=MemberRole.LEADER, state=MemberState.ACCEPTED
        ).update(role=MemberRole.MEMBER, updated_at=timezone.now())
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    audit(actor=actor, action="project.set_role", obj=member, org=group.owner, data={"role": role})
    if role == MemberRole.LEADER:
        name = group.name
        notify(
            users=[member.user],
            kind="project.leader",
            title=lambda: (
                _("You are now the leader of the project group %(group)s") % {"group": name}
            ),
            url=group_url(group),
        )
    return member


@transaction.atomic
def project_member_leave(*, actor: Any, member: ProjectMember, reason: str = "") -> ProjectMember:
    """A member leaves the group, or withdraws an application still waiting."""
    member = (
        ProjectMember.objects.select_for_update(of=("self",))
        .select_related("group__owner", "group__instructor")
        .get(pk=member.pk)
    )
    if member.user_id != getattr(actor, "pk", None):
        raise AccessDenied("forbidden", _("Only the member themself can leave the group."))
    if member.state not in ProjectMember.LIVE_STATES:
        raise Conflict("not_a_member", _("You are not in this group."))
    was = member.state
    member.state = MemberState.LEFT
    member.role = MemberRole.MEMBER
    member.reason = (reason or "").strip()
    member.save(update_fields=["state", "role", "reason", "updated_at"])
    group = member.group
    audit(actor=actor, action="project.leave", obj=member, org=group.owner, data={"was": was})
    if was == MemberState.ACCEPTED:
        student, name = actor.name, group.name
        notify(
            users=deciders_of(group),
            kind="project.left",
            title=lambda: (
                _("%(student)s has left the project group %(group)s")
                % {"student": student, "group": name}
            ),
            url=group_url(group),
        )
    return member

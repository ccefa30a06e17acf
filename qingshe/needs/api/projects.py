"""API: project groups (项目组) and applications to join them.

Thin endpoints: objects named in the path or body are found through the selectors (404
`not_found` for anything outside the caller's view), then one service is called; its errors
(`forbidden`, `group_closed`, `duplicate_application`, `already_member`, `statement_too_short`,
`already_decided`, `reason_required`, …) reach the client with their status. Tasks of a group
(`/projects/{id}/tasks`): listed for whoever sees the group, added and changed by those who run it.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.needs import selectors, services
from qingshe.needs.schemas import (
    DecideIn,
    JoinIn,
    MemberFilter,
    MemberOut,
    ProjectFilter,
    ProjectIn,
    ProjectOut,
    TaskFilter,
    TaskIn,
    TaskOut,
    TaskUpdateIn,
)
from qingshe.orgs import selectors as org_selectors

router = Router(tags=["projects"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _group(request: HttpRequest, project_id: int) -> Any:
    return selectors.group_get_for_user(user=_user(request), group_id=project_id)


@router.get(
    "/projects",
    response={200: list[ProjectOut], **error_responses(401, 422)},
    summary="Project groups the caller may see",
)
@paginate
def project_list(request: HttpRequest, filters: Query[ProjectFilter]) -> Any:
    """Groups of the branches and departments the caller belongs to or looks after, and groups
    the caller is in; open ones first, newest first."""
    return selectors.group_list_for_user(
        user=_user(request),
        project_type=filters.project_type or "",
        service_field=filters.service_field or "",
        state=filters.state or "",
        owner_id=filters.owner,
    ).prefetch_related("responsibilities")


@router.post(
    "/projects",
    response={201: ProjectOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Form a project group",
)
def project_create(request: HttpRequest, payload: ProjectIn) -> Any:
    """By the branch's secretary or the department's admins. 404 `not_found` (with `field`) for an
    owner or instructor the caller cannot see; 403 `forbidden`; 409 `duplicate_group`; 422
    `invalid_owner`, `name_required`, `goal_required`, `invalid_choice`, `invalid_instructor`,
    `too_many_responsibilities`, `responsibility_too_long`."""
    user = _user(request)
    try:
        owner = org_selectors.org_get_for_user(user=user, org_id=payload.owner)
    except NotFound as exc:
        exc.field = "owner"
        raise
    instructor = None
    if payload.instructor is not None:
        instructor = selectors.instructors_for(owner=owner).filter(pk=payload.instructor).first()
        if instructor is None:
            raise ValidationFailed(
                "invalid_instructor",
                _("The instructor must be an instructor of this department."),
                field="instructor",
            )
    group = services.project_group_create(
        actor=user,
        owner=owner,
        name=payload.name,
        goal=payload.goal,
        project_type=payload.project_type,
        service_field=payload.service_field,
        instructor=instructor,
        responsibilities=payload.responsibilities,
    )
    return Status(201, selectors.group_get_for_user(user=user, group_id=group.pk))


@router.get(
    "/projects/{project_id}",
    response={200: ProjectOut, **error_responses(401, 404, 422)},
    summary="One project group",
)
def project_detail(request: HttpRequest, project_id: int) -> Any:
    return _group(request, project_id)


@router.get(
    "/projects/{project_id}/members",
    response={200: list[MemberOut], **error_responses(401, 404, 422)},
    summary="Members and applications of a group",
)
@paginate
def member_list(request: HttpRequest, project_id: int, filters: Query[MemberFilter]) -> Any:
    """Everyone who sees the group sees its accepted members; the owner's secretary and admins,
    the instructor and the leader also see applications and past members; a student sees their
    own rows."""
    user = _user(request)
    group = _group(request, project_id)
    return selectors.group_members_for_user(user=user, group=group, state=filters.state or "")


@router.post(
    "/projects/{project_id}/members",
    response={201: MemberOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Apply to join a group (报名加入)",
)
def member_apply(request: HttpRequest, project_id: int, payload: JoinIn) -> Any:
    """By a student of the owner's branch (or, for a department's group, of any of its branches).
    403 `forbidden`; 409 `group_closed`, `duplicate_application`, `already_member`; 422
    `statement_too_short`."""
    group = _group(request, project_id)
    member = services.project_join_apply(
        actor=_user(request), group=group, statement=payload.statement
    )
    return Status(201, member)


@router.post(
    "/projects/{project_id}/members/{member_id}/decide",
    response={200: MemberOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Accept or decline an application",
)
def member_decide(request: HttpRequest, project_id: int, member_id: int, payload: DecideIn) -> Any:
    """By the owner's secretary or admins, the instructor or the leader. Two deciders at once:
    one acts, the other gets 409 `already_decided`. 422 `reason_required` when declining
    without a reason; 409 `group_closed`."""
    user = _user(request)
    group = _group(request, project_id)
    member = selectors.member_get_for_user(user=user, group=group, member_id=member_id)
    return services.project_join_decide(
        actor=user, member=member, accept=payload.accept, reason=payload.reason
    )


# --- tasks --------------------------------------------------------------------------------------
def _assignee(group: Any, person_id: int | None) -> Any:
    if person_id is None:
        return None
    person = selectors.group_task_members(group=group).filter(pk=person_id).first()
    if person is None:
        raise ValidationFailed(
            "invalid_assignee", _("A task goes to a member of the group."), field="assignee"
        )
    return person


@router.get(
    "/projects/{project_id}/tasks",
    response={200: list[TaskOut], **error_responses(401, 404, 422)},
    summary="Tasks of a group",
)
@paginate
def task_list(request: HttpRequest, project_id: int, filters: Query[TaskFilter]) -> Any:
    """Everyone who sees the group sees its tasks: in progress, then to do (by due date), then done
    and dropped."""
    group = _group(request, project_id)
    return selectors.group_tasks_for_user(
        user=_user(request), group=group, state=filters.state or ""
    )


@router.post(
    "/projects/{project_id}/tasks",
    response={201: TaskOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Add a task to a group",
)
def task_create(request: HttpRequest, project_id: int, payload: TaskIn) -> Any:
    """By the owner's secretary or admins, the instructor or the leader. 403 `forbidden`; 409
    `group_closed`; 422 `title_required`, `title_too_long`, `notes_too_long`, `date_in_past`,
    `invalid_assignee` (not an accepted member), `invalid_need` (not a need linked to the group)."""
    user = _user(request)
    group = _group(request, project_id)
    services.check_task_runner(user, group)
    need = None
    if payload.need is not None:
        need = selectors.group_linked_needs(group=group).filter(pk=payload.need).first()
        if need is None:
            raise ValidationFailed(
                "invalid_need", _("Choose one of the group's linked needs."), field="need"
            )
    task = services.project_task_create(
        actor=user,
        group=group,
        title=payload.title,
        notes=payload.notes,
        due_on=payload.due_on,
        assignee=_assignee(group, payload.assignee),
        need=need,
    )
    return Status(201, selectors.task_get_for_user(user=user, group=group, task_id=task.pk))


@router.post(
    "/projects/{project_id}/tasks/{task_id}",
    response={200: TaskOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Change a task's state, assignee or due date",
)
def task_update(request: HttpRequest, project_id: int, task_id: int, payload: TaskUpdateIn) -> Any:
    """Only the fields sent change, all or nothing. 403 `forbidden`; 409 `invalid_state` (a move
    the task's state does not allow), `task_dropped`, `group_closed`; 422 `invalid_choice`,
    `invalid_assignee`, `date_in_past`."""
    user = _user(request)
    group = _group(request, project_id)
    task = selectors.task_get_for_user(user=user, group=group, task_id=task_id)
    services.check_task_runner(user, group)
    sent = payload.model_fields_set
    services.project_task_update(
        actor=user,
        task=task,
        state=payload.state,
        assignee=_assignee(group, payload.assignee) if "assignee" in sent else services.KEEP,
        due_on=payload.due_on if "due_on" in sent else services.KEEP,
    )
    return selectors.task_get_for_user(user=user, group=group, task_id=task.pk)

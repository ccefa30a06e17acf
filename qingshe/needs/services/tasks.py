"""Tasks of a project group (任务): a title, a due date, an assignee among the members, a state.

Those who run the group — the owner's secretary and admins (and the admins above), the
instructor and the leader — create, assign, reschedule and move tasks. States:

    todo ⇄ doing → done → doing (reopened);  todo / doing → dropped (final)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.needs.models import Need, ProjectGroup, ProjectMember, ProjectTask
from qingshe.needs.services.projects import can_decide, group_url

__all__ = [
    "KEEP",
    "TASK_TRANSITIONS",
    "can_run_tasks",
    "check_task_runner",
    "project_task_create",
    "project_task_drop",
    "project_task_update",
]

T = ProjectTask.State
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    T.TODO: frozenset({T.DOING, T.DONE, T.DROPPED}),
    T.DOING: frozenset({T.TODO, T.DONE, T.DROPPED}),
    T.DONE: frozenset({T.DOING}),
    T.DROPPED: frozenset(),
}


class _Keep:
    """'Leave this field as it is' for project_task_update (None means 'clear it')."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def can_run_tasks(user: Any, group: ProjectGroup) -> bool:
    return can_decide(user, group)


def check_task_runner(actor: Any, group: ProjectGroup) -> None:
    """Raise AccessDenied unless `actor` runs the group, Conflict if the group is closed."""
    if not can_run_tasks(actor, group):
        raise AccessDenied(
            "forbidden",
            _(
                "Only the group's leader, its instructor or the unit's secretary or admins can manage its tasks."
            ),
        )
    if group.state != ProjectGroup.State.OPEN:
        raise Conflict("group_closed", _("This group is closed."))


def _check_assignee(group: ProjectGroup, assignee: Any | None) -> None:
    if assignee is None:
        return
    if not ProjectMember.objects.filter(
        group=group, user_id=assignee.pk, state=ProjectMember.State.ACCEPTED
    ).exists():
        raise ValidationFailed(
            "invalid_assignee", _("A task goes to a member of the group."), field="assignee"
        )


def _check_due(due_on: date | None) -> None:
    if due_on is not None and due_on < timezone.localdate():
        raise ValidationFailed("date_in_past", _("The due date is already past."), field="due_on")


def _tell_assignee(task: ProjectTask, group: ProjectGroup, actor: Any) -> None:
    if task.assignee is None or task.assignee_id == getattr(actor, "pk", None):
        return
    title, name = task.title, group.name
    notify(
        users=[task.assignee],
        kind="project.task",
        title=lambda: _("A task of %(group)s is yours: %(task)s") % {"group": name, "task": title},
        url=group_url(group) + "#tasks-title",
    )


@transaction.atomic
def project_task_create(
    *,
    actor: Any,
    group: ProjectGroup,
    title: str,
    notes: str = "",
    due_on: date | None = None,
    assignee: Any | None = None,
    need: Need | None = None,
) -> ProjectTask:
    """Add a task to a group's list; the assignee is told."""
    group = (
        ProjectGroup.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=group.pk)
    )
    check_task_runner(actor, group)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please name the task."), field="title")
    if len(title) > 120:
        raise ValidationFailed(
            "title_too_long", _("A title has at most 120 characters."), field="title"
        )
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise ValidationFailed("notes_too_long", _("At most 2000 characters."), field="notes")
    _check_due(due_on)
    _check_assignee(group, assignee)
    if need is not None and need.project_group_id != group.pk:
        raise ValidationFailed(
            "invalid_need", _("Choose one of the group's linked needs."), field="need"
        )
    task = ProjectTask.objects.create(
        group=group,
        title=title,
        notes=notes,
        due_on=due_on,
        assignee=assignee,
        need=need,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit(
        actor=actor,
        action="project.task_create",
        obj=task,
        org=group.owner,
        data={
            "group": group.pk,
            "assignee": getattr(assignee, "pk", None),
            "due_on": str(due_on or ""),
        },
    )
    _tell_assignee(task, group, actor)
    return task


@transaction.atomic
def project_task_update(
    *,
    actor: Any,
    task: ProjectTask,
    state: str | None = None,
    assignee: Any = KEEP,
    due_on: Any = KEEP,
) -> ProjectTask:
    """Move a task to another state, give it to another member (None: nobody), or change its
    due date (None: no date). All or nothing."""
    task = (
        ProjectTask.objects.select_for_update(of=("self",))
        .select_related("group__owner", "assignee")
        .get(pk=task.pk)
    )
    group = task.group
    check_task_runner(actor, group)
    changed: dict[str, Any] = {}
    if state is not None and state != task.state:
        if state not in T.values:
            raise ValidationFailed(
                "invalid_choice", _("Choose one of the listed options."), field="state"
            )
        if state not in TASK_TRANSITIONS[task.state]:
            raise Conflict(
                "invalid_state",
                _("This task is %(state)s; it cannot be moved to %(to)s.")
                % {"state": T(task.state).label, "to": T(state).label},
                field="state",
            )
        changed["state"] = [task.state, state]
        task.state = state
        task.done_at = timezone.now() if state == T.DONE else None
    elif task.state == T.DROPPED and (assignee is not KEEP or due_on is not KEEP):
        raise Conflict("task_dropped", _("This task has been dropped."))
    if assignee is not KEEP and getattr(assignee, "pk", None) != task.assignee_id:
        _check_assignee(group, assignee)
        changed["assignee"] = getattr(assignee, "pk", None)
        task.assignee = assignee
    if due_on is not KEEP and due_on != task.due_on:
        _check_due(due_on)
        changed["due_on"] = str(due_on or "")
        task.due_on = due_on
    if not changed:
        return task
    task.save()
    audit(actor=actor, action="project.task_update", obj=task, org=group.owner, data=changed)
    if "assignee" in changed:
        _tell_assignee(task, group, actor)
    return task


def project_task_drop(*, actor: Any, task: ProjectTask) -> ProjectTask:
    """Drop a task that will not be done (it stays in the list as dropped)."""
    return project_task_update(actor=actor, task=task, state=T.DROPPED)

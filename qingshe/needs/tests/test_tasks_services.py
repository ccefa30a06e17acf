"""Tasks of a project group: creating, each state move, assigning, rescheduling, dropping; who
may, and bad input that writes nothing."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.needs import selectors, services
from qingshe.needs.models import Need, ProjectGroup, ProjectMember, ProjectTask
from qingshe.needs.tests.bounty_fixtures import bounty, member  # noqa: F401

TODAY = timezone.localdate()


def _task(actor: Any, group: ProjectGroup, **kw: Any) -> ProjectTask:
    return services.project_task_create(
        actor=actor, group=group, title=kw.pop("title", "拍摄活动照片"), **kw
    )


def test_create_and_tell_the_assignee(
    city: SimpleNamespace,
    group: ProjectGroup,
    member: ProjectMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task = _task(
            city.secretary,
            group,
            notes="周六上午",
            due_on=TODAY + timedelta(days=7),
            assignee=city.student,
        )
    assert (task.state, task.assignee, task.created_by) == ("todo", city.student, city.secretary)
    told = Notification.objects.get(user=city.student, kind="project.task")
    assert "拍摄活动照片" in told.title and told.url == f"/projects/{group.pk}/#tasks-title"
    assert AuditEvent.objects.filter(action="project.task_create").exists()


def test_leader_and_instructor_run_tasks(
    city: SimpleNamespace, group: ProjectGroup, member: ProjectMember, instructor: Any
) -> None:
    assert _task(instructor, group, title="制定排班").pk
    with pytest.raises(AccessDenied):
        _task(city.student, group)
    services.project_member_set_role(actor=city.secretary, member=member, role="leader")
    assert _task(city.student, group, title="组长布置的任务").pk


@pytest.mark.parametrize("who", ["student2", "staff", "other_staff", "resident"])
def test_outsiders_cannot_add_tasks(city: SimpleNamespace, group: ProjectGroup, who: str) -> None:
    with pytest.raises(AccessDenied):
        _task(getattr(city, who), group)
    assert not ProjectTask.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"title": " "}, "title_required", "title"),
        ({"title": "长" * 121}, "title_too_long", "title"),
        ({"notes": "x" * 2001}, "notes_too_long", "notes"),
        ({"due_on": TODAY - timedelta(days=1)}, "date_in_past", "due_on"),
    ],
)
def test_bad_input_writes_nothing(
    city: SimpleNamespace, group: ProjectGroup, fields: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _task(city.secretary, group, **fields)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not ProjectTask.objects.exists()


def test_assignee_must_be_an_accepted_member(city: SimpleNamespace, group: ProjectGroup) -> None:
    services.project_join_apply(
        actor=city.student, group=group, statement="我会摄影和剪辑，想为社区做宣传。"
    )
    with pytest.raises(ValidationFailed) as exc:
        _task(city.secretary, group, assignee=city.student)  # applied, not accepted
    assert (exc.value.code, exc.value.field) == ("invalid_assignee", "assignee")
    with pytest.raises(ValidationFailed):
        _task(city.secretary, group, assignee=city.student2)
    assert not ProjectTask.objects.exists()


def test_a_task_may_name_only_a_linked_need(
    city: SimpleNamespace, group: ProjectGroup, bounty: Need
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _task(city.secretary, group, need=bounty)
    assert exc.value.code == "invalid_need"
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    bounty.refresh_from_db()
    task = _task(city.secretary, group, title="问卷设计", need=bounty)
    assert task.need == bounty
    assert list(selectors.group_linked_needs(group=group)) == [bounty]


def test_each_state_move(city: SimpleNamespace, group: ProjectGroup, member: ProjectMember) -> None:
    task = _task(city.secretary, group, assignee=city.student)
    task = services.project_task_update(actor=city.secretary, task=task, state="doing")
    assert task.state == "doing" and task.done_at is None
    task = services.project_task_update(actor=city.secretary, task=task, state="todo")
    task = services.project_task_update(actor=city.secretary, task=task, state="done")
    assert task.state == "done" and task.done_at is not None
    with pytest.raises(Conflict) as exc:
        services.project_task_update(actor=city.secretary, task=task, state="dropped")
    assert exc.value.code == "invalid_state"
    task = services.project_task_update(actor=city.secretary, task=task, state="doing")  # reopened
    assert task.done_at is None
    task = services.project_task_drop(actor=city.secretary, task=task)
    assert task.state == "dropped"
    for to in ("todo", "doing", "done"):
        with pytest.raises(Conflict):
            services.project_task_update(actor=city.secretary, task=task, state=to)
    with pytest.raises(Conflict) as exc:
        services.project_task_update(actor=city.secretary, task=task, due_on=TODAY)
    assert exc.value.code == "task_dropped"
    with pytest.raises(ValidationFailed):
        services.project_task_update(
            actor=city.secretary, task=_task(city.secretary, group), state="finished"
        )


def test_reassign_and_reschedule_all_or_nothing(
    city: SimpleNamespace,
    group: ProjectGroup,
    member: ProjectMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    task = _task(city.secretary, group, due_on=TODAY + timedelta(days=3))
    with pytest.raises(ValidationFailed):
        services.project_task_update(
            actor=city.secretary,
            task=task,
            state="doing",
            assignee=city.student,
            due_on=TODAY - timedelta(days=1),
        )
    task.refresh_from_db()
    assert (task.state, task.assignee, task.due_on) == ("todo", None, TODAY + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        task = services.project_task_update(
            actor=city.secretary, task=task, assignee=city.student, due_on=None
        )
    assert task.assignee == city.student and task.due_on is None
    assert Notification.objects.filter(user=city.student, kind="project.task").count() == 1
    task = services.project_task_update(actor=city.secretary, task=task, assignee=None)
    assert task.assignee is None
    with pytest.raises(AccessDenied):
        services.project_task_update(actor=city.student, task=task, state="doing")


def test_closed_group_takes_no_task_changes(city: SimpleNamespace, group: ProjectGroup) -> None:
    task = _task(city.secretary, group)
    services.project_group_close(actor=city.secretary, group=group)
    with pytest.raises(Conflict) as exc:
        services.project_task_update(actor=city.secretary, task=task, state="done")
    assert exc.value.code == "group_closed"
    with pytest.raises(Conflict):
        _task(city.secretary, group)


def test_tasks_listed_open_first(city: SimpleNamespace, group: ProjectGroup) -> None:
    done = _task(city.secretary, group, title="已完成")
    services.project_task_update(actor=city.secretary, task=done, state="done")
    later = _task(city.secretary, group, title="稍后", due_on=TODAY + timedelta(days=9))
    sooner = _task(city.secretary, group, title="尽快", due_on=TODAY + timedelta(days=1))
    doing = _task(city.secretary, group, title="进行中")
    services.project_task_update(actor=city.secretary, task=doing, state="doing")
    rows = list(selectors.group_tasks_for_user(user=city.student, group=group))
    assert [t.title for t in rows] == ["进行中", "尽快", "稍后", "已完成"]
    assert [
        t.pk for t in selectors.group_tasks_for_user(user=city.student, group=group, state="todo")
    ] == [sooner.pk, later.pk]

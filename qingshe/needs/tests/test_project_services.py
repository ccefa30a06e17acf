"""Project group services: each transition, who may do it, notifications, bad input with nothing
written."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.needs import services
from qingshe.needs.models import ProjectGroup, ProjectMember, Responsibility
from qingshe.needs.tests.conftest import STATEMENT
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

State = ProjectMember.State


def _notified(user: Any, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


def test_create_group_with_ordered_responsibilities_and_instructor(
    city: SimpleNamespace,
    group: ProjectGroup,
    instructor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert group.owner == city.branch and group.state == ProjectGroup.State.OPEN
    assert [r.text for r in group.responsibilities.all()] == [
        "拍摄活动照片",
        "撰写推文",
        "剪辑短视频",
    ]
    assert AuditEvent.objects.filter(action="project.create", object_id=str(group.pk)).exists()


def test_instructor_is_told(
    city: SimpleNamespace, instructor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.project_group_create(
            actor=city.department_admin,
            owner=city.department,
            name="组",
            goal="目标",
            project_type="survey",
            service_field="health",
            instructor=instructor,
        )
    assert _notified(instructor, "project.instructor")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": "  "}, "name_required"),
        ({"goal": ""}, "goal_required"),
        ({"project_type": "magic"}, "invalid_choice"),
        ({"service_field": "magic"}, "invalid_choice"),
        ({"responsibilities": ["x" * 201]}, "responsibility_too_long"),
        ({"responsibilities": ["x"] * 21}, "too_many_responsibilities"),
    ],
)
def test_create_refuses_bad_input(
    city: SimpleNamespace, changes: dict[str, Any], code: str
) -> None:
    data = {
        "name": "组",
        "goal": "目标",
        "project_type": "survey",
        "service_field": "health",
        **changes,
    }
    with pytest.raises(ValidationFailed) as exc:
        services.project_group_create(actor=city.secretary, owner=city.branch, **data)
    assert exc.value.code == code
    assert not ProjectGroup.objects.exists() and not Responsibility.objects.exists()


def test_create_permissions_and_owner_kind(city: SimpleNamespace, group: ProjectGroup) -> None:
    data = {"name": "组2", "goal": "目标", "project_type": "survey", "service_field": "health"}
    for outsider in (city.student, city.staff, city.other_staff):
        with pytest.raises(AccessDenied):
            services.project_group_create(actor=outsider, owner=city.branch, **data)
    # A branch secretary cannot form a department's group nor another branch's.
    with pytest.raises(AccessDenied):
        services.project_group_create(actor=city.secretary, owner=city.department, **data)
    with pytest.raises(AccessDenied):
        services.project_group_create(actor=city.secretary, owner=city.branch2, **data)
    with pytest.raises(ValidationFailed) as exc:
        services.project_group_create(actor=city.league_admin, owner=city.community, **data)
    assert exc.value.code == "invalid_owner"
    with pytest.raises(Conflict):
        services.project_group_create(
            actor=city.secretary, owner=city.branch, **{**data, "name": group.name}
        )
    assert ProjectGroup.objects.count() == 1


def test_instructor_must_be_an_instructor_over_the_owner(city: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.project_group_create(
            actor=city.secretary,
            owner=city.branch,
            name="组",
            goal="目标",
            project_type="survey",
            service_field="health",
            instructor=city.student,
        )
    assert exc.value.code == "invalid_instructor"


def test_update_replaces_the_list_and_close_declines_waiting(
    city: SimpleNamespace,
    group: ProjectGroup,
    application: ProjectMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.project_group_update(
        actor=city.secretary,
        group=group,
        name="社区宣传组",
        goal="新目标",
        project_type="league_building",
        service_field="policy",
        responsibilities=["撰写推文", "拍摄"],
    )
    group.refresh_from_db()
    assert group.name == "社区宣传组" and group.instructor is None
    assert list(group.responsibilities.values_list("text", "order")) == [
        ("撰写推文", 1),
        ("拍摄", 2),
    ]
    with pytest.raises(AccessDenied):
        services.project_group_close(actor=city.student, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_group_close(actor=city.secretary, group=group, reason="学期结束")
    group.refresh_from_db()
    application.refresh_from_db()
    assert group.state == ProjectGroup.State.CLOSED and application.state == State.DECLINED
    assert _notified(city.student, "project.closed")
    with pytest.raises(Conflict):
        services.project_group_close(actor=city.secretary, group=group)


def test_apply_notifies_deciders_and_accept_notifies_student(
    city: SimpleNamespace,
    group: ProjectGroup,
    instructor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        member = services.project_join_apply(
            actor=city.student, group=group, statement=f"  {STATEMENT}  "
        )
    assert (
        member.state == State.APPLIED and member.statement == STATEMENT and member.role == "member"
    )
    for decider in (city.secretary, city.department_admin, instructor):
        assert _notified(decider, "project.to_decide"), decider
    assert not _notified(city.university_admin, "project.to_decide")
    with django_capture_on_commit_callbacks(execute=True):
        member = services.project_join_decide(actor=city.secretary, member=member, accept=True)
    assert (
        member.state == State.ACCEPTED and member.decided_by == city.secretary and member.decided_at
    )
    [n] = _notified(city.student, "project.decided")
    assert group.name in n.title and n.url == f"/projects/{group.pk}/"
    assert AuditEvent.objects.filter(action="project.accept").count() == 1


def test_decline_needs_a_reason_and_tells_the_student(
    city: SimpleNamespace, application: ProjectMember, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.project_join_decide(
            actor=city.secretary, member=application, accept=False, reason=" "
        )
    assert exc.value.code == "reason_required"
    application.refresh_from_db()
    assert application.state == State.APPLIED
    with django_capture_on_commit_callbacks(execute=True):
        services.project_join_decide(
            actor=city.secretary, member=application, accept=False, reason="名额已满"
        )
    [n] = _notified(city.student, "project.decided")
    assert "名额已满" in n.title
    # Declined: the student may apply again.
    again = services.project_join_apply(
        actor=city.student, group=application.group, statement=STATEMENT
    )
    assert again.pk != application.pk


def test_department_group_takes_the_departments_students(
    city: SimpleNamespace, dept_group: ProjectGroup
) -> None:
    services.project_join_apply(actor=city.student, group=dept_group, statement=STATEMENT)
    services.project_join_apply(actor=city.student2, group=dept_group, statement=STATEMENT)
    assert dept_group.members.count() == 2


def test_student_of_another_branch_or_an_outsider_cannot_apply(
    city: SimpleNamespace, group: ProjectGroup
) -> None:
    for outsider in (city.student2, city.other_staff, city.resident, city.department_admin):
        with pytest.raises(AccessDenied):
            services.project_join_apply(actor=outsider, group=group, statement=STATEMENT)
    assert not ProjectMember.objects.exists()


@pytest.mark.parametrize("statement", ["", "   ", "想参加"])
def test_apply_refuses_empty_or_short_statement(
    city: SimpleNamespace, group: ProjectGroup, statement: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.project_join_apply(actor=city.student, group=group, statement=statement)
    assert exc.value.code == "statement_too_short"
    assert not ProjectMember.objects.exists()


def test_apply_refuses_closed_group_and_duplicates(
    city: SimpleNamespace, group: ProjectGroup, application: ProjectMember
) -> None:
    with pytest.raises(Conflict) as exc:
        services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    assert exc.value.code == "duplicate_application"
    services.project_join_decide(actor=city.secretary, member=application, accept=True)
    with pytest.raises(Conflict) as exc:
        services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    assert exc.value.code == "already_member"
    services.project_group_close(actor=city.secretary, group=group)
    other = UserFactory(name="学生丙")
    MembershipFactory(user=other, org=city.branch, role=Role.STUDENT)
    with pytest.raises(Conflict) as exc:
        services.project_join_apply(actor=other, group=group, statement=STATEMENT)
    assert exc.value.code == "group_closed"
    assert ProjectMember.objects.count() == 1


def test_who_may_decide(
    city: SimpleNamespace, group: ProjectGroup, application: ProjectMember, instructor: Any
) -> None:
    for outsider in (city.student, city.student2, city.other_staff, city.staff):
        with pytest.raises(AccessDenied):
            services.project_join_decide(actor=outsider, member=application, accept=True)
    application.refresh_from_db()
    assert application.state == State.APPLIED
    services.project_join_decide(actor=instructor, member=application, accept=True)
    # Deciding twice: 409, nothing changed.
    with pytest.raises(Conflict) as exc:
        services.project_join_decide(
            actor=city.secretary, member=application, accept=False, reason="不合适"
        )
    assert exc.value.code == "already_decided"
    application.refresh_from_db()
    assert application.state == State.ACCEPTED and application.decided_by == instructor


def test_leader_decides_and_one_leader_at_a_time(
    city: SimpleNamespace,
    group: ProjectGroup,
    application: ProjectMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.project_join_decide(actor=city.secretary, member=application, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_member_set_role(actor=city.secretary, member=application, role="leader")
    assert _notified(city.student, "project.leader")
    other = UserFactory(name="学生丙")
    MembershipFactory(user=other, org=city.branch, role=Role.STUDENT)
    pending = services.project_join_apply(actor=other, group=group, statement=STATEMENT)
    # The leader decides on applications to the group.
    services.project_join_decide(actor=city.student, member=pending, accept=True)
    with pytest.raises(AccessDenied):
        services.project_member_set_role(actor=city.student, member=pending, role="leader")
    services.project_member_set_role(actor=city.secretary, member=pending, role="leader")
    roles = dict(ProjectMember.objects.values_list("user__name", "role"))
    assert roles == {"学生甲": "member", "学生丙": "leader"}
    with pytest.raises(ValidationFailed):
        services.project_member_set_role(actor=city.secretary, member=pending, role="boss")


def test_set_role_refuses_an_application(city: SimpleNamespace, application: ProjectMember) -> None:
    with pytest.raises(Conflict) as exc:
        services.project_member_set_role(actor=city.secretary, member=application, role="leader")
    assert exc.value.code == "not_a_member"


def test_leave_and_withdraw(
    city: SimpleNamespace,
    group: ProjectGroup,
    application: ProjectMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with pytest.raises(AccessDenied):
        services.project_member_leave(actor=city.secretary, member=application)
    services.project_join_decide(actor=city.secretary, member=application, accept=True)
    services.project_member_set_role(actor=city.secretary, member=application, role="leader")
    with django_capture_on_commit_callbacks(execute=True):
        left = services.project_member_leave(actor=city.student, member=application)
    assert left.state == State.LEFT and left.role == "member"
    assert _notified(city.secretary, "project.left")
    with pytest.raises(Conflict):
        services.project_member_leave(actor=city.student, member=application)
    # Withdrawing an application is leaving before being accepted.
    again = services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    assert services.project_member_leave(actor=city.student, member=again).state == State.LEFT


def test_database_allows_one_live_row_per_person(
    city: SimpleNamespace, application: ProjectMember
) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectMember.objects.create(group=application.group, user=city.student, statement="x")
    assert connection.vendor in {"sqlite", "postgresql"}

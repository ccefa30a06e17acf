"""Tasks, linked needs and resources on a project group's page: add, move, assign, link and
unlink with htmx; who sees the buttons; outsiders; bad input; bounded queries."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from qingshe.needs import services
from qingshe.needs.models import ProjectGroup, ProjectMember, ProjectTask, Resource
from qingshe.needs.tests.bounty_fixtures import member, partner, partner_contact, resource  # noqa: F401

HX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


def test_secretary_adds_and_moves_tasks(
    client: Any,
    city: SimpleNamespace,
    group: ProjectGroup,
    member: ProjectMember,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(5):
        services.project_task_create(
            actor=city.secretary, group=group, title=f"任务{i}", assignee=city.student
        )
    client.force_login(city.secretary)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("projects:detail", args=[group.pk])).content.decode()
    assert "任务" in page and "添加任务" in page and "任务4" in page
    url = reverse("projects:task_create", args=[group.pk])
    html = client.post(
        url, {"title": "", "due_on": (TODAY - timedelta(days=1)).isoformat()}, **HX
    ).content.decode()
    assert "请填写任务名称" in html and ProjectTask.objects.count() == 5
    html = client.post(
        url, {"title": "写调研报告", "due_on": (TODAY - timedelta(days=1)).isoformat()}, **HX
    ).content.decode()
    assert "截止日期已过" in html and ProjectTask.objects.count() == 5
    due = (TODAY + timedelta(days=7)).isoformat()
    html = client.post(
        url, {"title": "写调研报告", "due_on": due, "assignee": city.student.pk}, **HX
    ).content.decode()
    assert "任务已添加" in html and "<html" not in html
    task = ProjectTask.objects.get(title="写调研报告")
    assert task.assignee == city.student and task.due_on.isoformat() == due
    move = reverse("projects:task_update", args=[group.pk, task.pk])
    html = client.post(move, {"state": "doing"}, **HX).content.decode()
    assert "已更新" in html
    html = client.post(move, {"state": "todo"}, **HX).content.decode()
    html = client.post(move, {"state": "done"}, **HX).content.decode()
    task.refresh_from_db()
    assert task.state == "done"
    html = client.post(move, {"state": "dropped"}, **HX).content.decode()
    assert "不能改为" in html
    response = client.post(move, {"assignee": "", "due_on": ""})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee is None and task.due_on is None


def test_members_see_tasks_without_buttons(
    client: Any, city: SimpleNamespace, group: ProjectGroup, member: ProjectMember
) -> None:
    task = services.project_task_create(
        actor=city.secretary, group=group, title="拍摄活动照片", assignee=city.student
    )
    client.force_login(city.student)
    page = client.get(reverse("projects:detail", args=[group.pk])).content.decode()
    assert "拍摄活动照片" in page and "添加任务" not in page and 'name="state"' not in page
    response = client.post(
        reverse("projects:task_update", args=[group.pk, task.pk]), {"state": "done"}
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("projects:task_create", args=[group.pk]), {"title": "x"}).status_code
        == 403
    )
    task.refresh_from_db()
    assert task.state == "todo" and ProjectTask.objects.count() == 1


def test_outsiders_get_404(client: Any, city: SimpleNamespace, group: ProjectGroup) -> None:
    task = services.project_task_create(actor=city.secretary, group=group, title="拍摄活动照片")
    client.force_login(city.other_staff)
    assert (
        client.post(
            reverse("projects:task_update", args=[group.pk, task.pk]), {"state": "done"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("projects:task_create", args=[group.pk]), {"title": "x"}).status_code
        == 404
    )
    # A task id of another group is not found under this one.
    other = services.project_group_create(
        actor=city.department_admin,
        owner=city.department,
        name="另一组",
        goal="g",
        project_type="survey",
        service_field="health",
    )
    client.force_login(city.department_admin)
    response = client.post(
        reverse("projects:task_update", args=[other.pk, task.pk]), {"state": "done"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.state == "todo"


def test_link_and_unlink_resources(
    client: Any,
    city: SimpleNamespace,
    group: ProjectGroup,
    resource: Resource,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(city.secretary)
    page = client.get(reverse("projects:detail", args=[group.pk])).content.decode()
    assert "关联资源" in page and resource.title in page
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(
            reverse("projects:resource_link", args=[group.pk]), {"resource": resource.pk}, **HX
        ).content.decode()
    assert "项目组开始使用" in html and list(resource.groups.all()) == [group]
    # Linked: no longer offered in the select, but listed with its owner.
    html = client.post(
        reverse("projects:resource_link", args=[group.pk]), {"resource": resource.pk}, **HX
    ).content.decode()
    assert "请从清单中选择资源" in html and resource.groups.count() == 1
    html = client.post(
        reverse("projects:resource_unlink", args=[group.pk, resource.pk]), **HX
    ).content.decode()
    assert "项目组不再使用" in html and not resource.groups.exists()
    client.force_login(city.student)
    response = client.post(
        reverse("projects:resource_link", args=[group.pk]), {"resource": resource.pk}
    )
    assert response.status_code == 403 and not resource.groups.exists()

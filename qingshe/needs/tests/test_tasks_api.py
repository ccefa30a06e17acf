"""/projects/{id}/tasks: list, add, change state/assignee/due; who may, outsiders, bad input."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.needs import services
from qingshe.needs.models import Need, ProjectGroup, ProjectMember, ProjectTask
from qingshe.needs.tests.bounty_fixtures import bounty, member  # noqa: F401

TODAY = timezone.localdate()


def test_add_list_and_update(
    city: SimpleNamespace,
    group: ProjectGroup,
    member: ProjectMember,
    bounty: Need,
    django_assert_max_num_queries: Any,
) -> None:
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    client = api_client(city.secretary)
    due = (TODAY + timedelta(days=5)).isoformat()
    response = client.api_post(
        f"/projects/{group.pk}/tasks",
        {
            "title": "设计问卷",
            "due_on": due,
            "assignee": city.student.pk,
            "need": bounty.pk,
            "notes": "20题以内",
        },
    )
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["state"] == "todo" and task["state_label"] == "待办"
    assert (
        task["assignee"] == {"id": city.student.pk, "name": "学生甲"}
        and task["need"]["id"] == bounty.pk
    )
    client.api_post(f"/projects/{group.pk}/tasks", {"title": "入户走访"})
    student = api_client(city.student)
    with django_assert_max_num_queries(7):
        body = student.api_get(f"/projects/{group.pk}/tasks").json()
    assert body["count"] == 2 and [t["title"] for t in body["items"]] == ["设计问卷", "入户走访"]
    url = f"/projects/{group.pk}/tasks/{task['id']}"
    body = client.api_post(url, {"state": "doing"}).json()
    assert (
        body["state"] == "doing"
        and body["assignee"]["id"] == city.student.pk
        and body["due_on"] == due
    )
    body = client.api_post(url, {"assignee": None, "due_on": None}).json()
    assert body["assignee"] is None and body["due_on"] is None and body["state"] == "doing"
    body = client.api_post(url, {"state": "done"}).json()
    assert body["state"] == "done" and body["done_at"]
    assert student.api_get(f"/projects/{group.pk}/tasks", {"state": "done"}).json()["count"] == 1


def test_permissions(city: SimpleNamespace, group: ProjectGroup, member: ProjectMember) -> None:
    task = services.project_task_create(actor=city.secretary, group=group, title="拍照")
    # A member sees the tasks but does not run them.
    student = api_client(city.student)
    assert_error(
        student.api_post(f"/projects/{group.pk}/tasks", {"title": "我自己加"}), 403, "forbidden"
    )
    assert_error(
        student.api_post(f"/projects/{group.pk}/tasks/{task.pk}", {"state": "done"}),
        403,
        "forbidden",
    )
    # An outsider does not see the group.
    outsider = api_client(city.other_staff)
    assert_error(outsider.api_get(f"/projects/{group.pk}/tasks"), 404, "not_found")
    assert_error(outsider.api_post(f"/projects/{group.pk}/tasks", {"title": "x"}), 404, "not_found")
    # A task of another group is not found under this one.
    other = services.project_group_create(
        actor=city.department_admin,
        owner=city.department,
        name="另一个组",
        goal="g",
        project_type="survey",
        service_field="health",
    )
    assert_error(
        api_client(city.department_admin).api_post(
            f"/projects/{other.pk}/tasks/{task.pk}", {"state": "done"}
        ),
        404,
        "not_found",
    )
    task.refresh_from_db()
    assert task.state == "todo" and ProjectTask.objects.count() == 1


def test_bad_input_writes_nothing(
    city: SimpleNamespace, group: ProjectGroup, member: ProjectMember, bounty: Need
) -> None:
    client = api_client(city.secretary)
    url = f"/projects/{group.pk}/tasks"
    past = (TODAY - timedelta(days=1)).isoformat()
    for bad, status, code, field in (
        ({"title": " "}, 422, "title_required", "title"),
        ({"title": "t", "due_on": past}, 422, "date_in_past", "due_on"),
        ({"title": "t", "assignee": city.student2.pk}, 422, "invalid_assignee", "assignee"),
        ({"title": "t", "need": bounty.pk}, 422, "invalid_need", "need"),
    ):
        body = assert_error(client.api_post(url, bad), status, code)
        assert body["field"] == field
    assert_error(client.api_post(url, {}), 422, "invalid_input")
    assert not ProjectTask.objects.exists()
    task = services.project_task_create(actor=city.secretary, group=group, title="拍照")
    turl = f"{url}/{task.pk}"
    assert_error(client.api_post(turl, {"state": "finished"}), 422, "invalid_choice")
    assert_error(client.api_post(turl, {"state": "doing", "due_on": past}), 422, "date_in_past")
    client.api_post(turl, {"state": "dropped"})
    assert_error(client.api_post(turl, {"state": "todo"}), 409, "invalid_state")
    task.refresh_from_db()
    assert task.state == "dropped" and task.due_on is None

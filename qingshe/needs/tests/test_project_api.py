"""The /projects API: shape, pagination, filters, errors in both languages, outsiders get 404,
bad input writes nothing."""

from types import SimpleNamespace
from typing import Any

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.needs import services
from qingshe.needs.models import ProjectGroup, ProjectMember
from qingshe.needs.tests.conftest import STATEMENT

PAYLOAD = {
    "name": "四点半课堂项目组",
    "goal": "为社区小学生提供课后作业辅导。",
    "project_type": "after_school",
    "service_field": "poverty_education",
    "responsibilities": ["辅导作业", "组织阅读"],
}


def test_list_and_detail_shape(
    city: SimpleNamespace,
    group: ProjectGroup,
    application: ProjectMember,
    django_assert_max_num_queries: Any,
) -> None:
    client = api_client(city.student)
    with django_assert_max_num_queries(6):
        body = client.api_get("/projects").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["name"] == group.name and item["owner"]["kind"] == "class_branch"
    assert item["responsibilities"] == ["拍摄活动照片", "撰写推文", "剪辑短视频"]
    assert item["project_type_label"] == "基层团建" and item["service_field_label"] == "政策宣传"
    assert item["instructor"]["name"] == "指导老师" and item["member_count"] == 0
    assert client.api_get(f"/projects/{group.pk}").json()["id"] == group.pk


def test_list_filters_and_pagination(
    city: SimpleNamespace, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    client = api_client(city.secretary)
    assert client.api_get("/projects").json()["count"] == 2
    assert client.api_get("/projects", {"project_type": "survey"}).json()["count"] == 1
    assert (
        client.api_get("/projects", {"service_field": "policy"}).json()["items"][0]["id"]
        == group.pk
    )
    assert client.api_get("/projects", {"state": "closed"}).json()["count"] == 0
    page = client.api_get("/projects", {"page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert_error(client.api_get("/projects", {"page_size": 0}), 422, "invalid_input")


def test_outsiders_see_nothing(
    city: SimpleNamespace, group: ProjectGroup, application: ProjectMember
) -> None:
    client = api_client(city.other_staff)
    assert client.api_get("/projects").json() == {"items": [], "count": 0}
    assert_error(client.api_get(f"/projects/{group.pk}"), 404, "not_found")
    assert_error(client.api_get(f"/projects/{group.pk}/members"), 404, "not_found")
    assert_error(
        client.api_post(f"/projects/{group.pk}/members", {"statement": STATEMENT}), 404, "not_found"
    )
    assert_error(
        client.api_post(f"/projects/{group.pk}/members/{application.pk}/decide", {"accept": True}),
        404,
        "not_found",
    )
    assert_error(api_client().api_get("/projects"), 401, "not_authenticated")


def test_create(city: SimpleNamespace, instructor: Any) -> None:
    client = api_client(city.secretary)
    response = client.api_post(
        "/projects", {**PAYLOAD, "owner": city.branch.pk, "instructor": instructor.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["responsibilities"] == ["辅导作业", "组织阅读"]
    assert_error(
        client.api_post("/projects", {**PAYLOAD, "owner": city.branch.pk}), 409, "duplicate_group"
    )
    assert_error(
        client.api_post("/projects", {**PAYLOAD, "owner": city.department.pk}), 403, "forbidden"
    )
    body = assert_error(
        client.api_post(
            "/projects",
            {**PAYLOAD, "name": "新组", "owner": city.branch.pk, "instructor": city.student.pk},
        ),
        422,
        "invalid_instructor",
    )
    assert body["field"] == "instructor"
    body = assert_error(
        api_client(city.other_staff).api_post("/projects", {**PAYLOAD, "owner": city.branch.pk}),
        404,
        "not_found",
    )
    assert body["field"] == "owner"
    assert ProjectGroup.objects.count() == 1


def test_apply_and_decide(city: SimpleNamespace, group: ProjectGroup) -> None:
    student = api_client(city.student)
    response = student.api_post(f"/projects/{group.pk}/members", {"statement": STATEMENT})
    assert response.status_code == 201, response.content
    member = response.json()
    assert (
        member["state"] == "applied"
        and member["person"]["name"] == "学生甲"
        and member["state_label"] == "已申请"
    )
    assert_error(
        student.api_post(f"/projects/{group.pk}/members", {"statement": STATEMENT}),
        409,
        "duplicate_application",
    )
    # The student cannot decide their own application.
    url = f"/projects/{group.pk}/members/{member['id']}/decide"
    assert_error(student.api_post(url, {"accept": True}), 403, "forbidden")
    secretary = api_client(city.secretary)
    assert (
        secretary.api_get(f"/projects/{group.pk}/members", {"state": "applied"}).json()["count"]
        == 1
    )
    assert_error(secretary.api_post(url, {"accept": False}), 422, "reason_required")
    response = secretary.api_post(url, {"accept": True})
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert_error(
        secretary.api_post(url, {"accept": False, "reason": "晚了"}), 409, "already_decided"
    )
    assert api_client(city.student).api_get(f"/projects/{group.pk}/members").json()["count"] == 1


def test_members_list_hides_applications_from_non_deciders(
    city: SimpleNamespace, dept_group: ProjectGroup
) -> None:
    services.project_join_apply(actor=city.student, group=dept_group, statement=STATEMENT)
    # student2 sees the department's group but not student's pending application.
    assert (
        api_client(city.student2).api_get(f"/projects/{dept_group.pk}/members").json()["count"] == 0
    )
    assert (
        api_client(city.student).api_get(f"/projects/{dept_group.pk}/members").json()["count"] == 1
    )
    assert (
        api_client(city.department_admin)
        .api_get(f"/projects/{dept_group.pk}/members")
        .json()["count"]
        == 1
    )


def test_errors_in_both_languages_and_nothing_written(
    city: SimpleNamespace, group: ProjectGroup
) -> None:
    url = f"/projects/{group.pk}/members"
    zh = assert_error(
        api_client(city.student, language="zh-hans").api_post(url, {"statement": "想去"}),
        422,
        "statement_too_short",
    )
    en = assert_error(
        api_client(city.student, language="en").api_post(url, {"statement": "想去"}),
        422,
        "statement_too_short",
    )
    assert "至少" in zh["detail"] and "at least" in en["detail"]
    assert zh["field"] == "statement"
    # A student of another branch does not even see the branch's group.
    assert_error(
        api_client(city.student2).api_post(url, {"statement": STATEMENT}), 404, "not_found"
    )
    assert_error(api_client(city.student).api_post(url, {}), 422, "invalid_input")
    services.project_group_close(actor=city.secretary, group=group)
    body = assert_error(
        api_client(city.student, language="en").api_post(url, {"statement": STATEMENT}),
        409,
        "group_closed",
    )
    assert "closed" in body["detail"]
    assert not ProjectMember.objects.exists()

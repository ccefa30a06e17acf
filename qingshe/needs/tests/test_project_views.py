"""Project group pages: roles, outsiders (404), htmx partials, bad input and bounded queries."""

from types import SimpleNamespace
from typing import Any

from django.urls import reverse

from qingshe.needs import services
from qingshe.needs.models import ProjectGroup, ProjectMember
from qingshe.needs.tests.conftest import STATEMENT

HX = {"HTTP_HX_REQUEST": "true"}


def test_list_filters_and_outsider(
    client: Any,
    city: SimpleNamespace,
    group: ProjectGroup,
    dept_group: ProjectGroup,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(city.student)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("projects:list")).content.decode()
    assert group.name in html and dept_group.name in html and "项目组" in html
    html = client.get(reverse("projects:list"), {"project_type": "survey"}, **HX).content.decode()
    assert dept_group.name in html and group.name not in html and "<html" not in html
    client.force_login(city.other_staff)
    assert group.name not in client.get(reverse("projects:list")).content.decode()
    assert client.get(reverse("projects:detail", args=[group.pk])).status_code == 404


def test_student_applies_with_htmx_and_errors_keep_the_text(
    client: Any, city: SimpleNamespace, group: ProjectGroup
) -> None:
    client.force_login(city.student)
    page = client.get(reverse("projects:detail", args=[group.pk])).content.decode()
    assert "报名加入本项目组" in page and "拍摄活动照片" in page and "指导老师" in page
    url = reverse("projects:apply", args=[group.pk])
    html = client.post(url, {"statement": "想去"}, **HX).content.decode()
    assert (
        "请用至少10个字说明想加入的理由" in html
        and "想去" in html
        and not ProjectMember.objects.exists()
    )
    html = client.post(url, {"statement": STATEMENT}, **HX).content.decode()
    assert "报名已提交" in html and "您的报名正在等待审核" in html
    # Without htmx: a redirect, and the duplicate is refused with 409 and nothing written.
    response = client.post(url, {"statement": STATEMENT})
    assert response.status_code == 409
    assert ProjectMember.objects.count() == 1


def test_secretary_accepts_and_declines(
    client: Any,
    city: SimpleNamespace,
    group: ProjectGroup,
    application: ProjectMember,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(city.secretary)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("projects:detail", args=[group.pk])).content.decode()
    assert "待您审核的报名" in page and STATEMENT in page
    url = reverse("projects:decide", args=[group.pk, application.pk])
    html = client.post(
        url, {"decision": "decline", f"m{application.pk}-reason": ""}, **HX
    ).content.decode()
    assert "请向学生说明理由" in html
    html = client.post(url, {"decision": "accept"}, **HX).content.decode()
    assert "学生甲已加入项目组" in html
    application.refresh_from_db()
    assert application.state == "accepted"
    # Phones of members are masked for deciders.
    assert city.student.phone not in html and city.student.phone[:3] in html
    response = client.post(url, {"decision": "accept"})
    assert response.status_code == 409


def test_outsiders_cannot_decide_or_see(
    client: Any, city: SimpleNamespace, group: ProjectGroup, application: ProjectMember
) -> None:
    url = reverse("projects:decide", args=[group.pk, application.pk])
    client.force_login(city.other_staff)
    assert client.post(url, {"decision": "accept"}).status_code == 404
    client.force_login(city.student)
    assert client.post(url, {"decision": "accept"}).status_code == 403
    application.refresh_from_db()
    assert application.state == "applied"


def test_create_and_edit_form(client: Any, city: SimpleNamespace, instructor: Any) -> None:
    client.force_login(city.student)
    assert client.get(reverse("projects:create")).status_code == 403
    client.force_login(city.secretary)
    data = {
        "owner": city.branch.pk,
        "name": "",
        "goal": "g",
        "project_type": "survey",
        "service_field": "health",
        "instructor": instructor.pk,
        "responsibilities": "走访\n\n整理数据",
    }
    html = client.post(reverse("projects:create"), data).content.decode()
    assert "请填写项目组名称" in html
    response = client.post(reverse("projects:create"), {**data, "name": "调研组"})
    group = ProjectGroup.objects.get()
    assert response.status_code == 302 and list(
        group.responsibilities.values_list("text", flat=True)
    ) == ["走访", "整理数据"]
    edit = reverse("projects:edit", args=[group.pk])
    assert "整理数据" in client.get(edit).content.decode()
    client.post(edit, {**data, "name": "调研小组", "responsibilities": "走访"})
    group.refresh_from_db()
    assert group.name == "调研小组" and group.responsibilities.count() == 1
    client.force_login(city.student)
    assert client.get(edit).status_code == 403


def test_my_applications_and_home_panels(
    client: Any, city: SimpleNamespace, group: ProjectGroup, application: ProjectMember
) -> None:
    client.force_login(city.student)
    assert group.name in client.get(reverse("projects:mine")).content.decode()
    home = client.get(reverse("core:home")).content.decode()
    assert "我的项目组报名" in home and group.name in home
    client.force_login(city.secretary)
    home = client.get(reverse("core:home")).content.decode()
    assert "待我审核的项目组报名" in home and f"学生甲 · {group.name}" in home
    services.project_join_decide(actor=city.secretary, member=application, accept=True)
    client.force_login(city.student)
    assert "已通过" in client.get(reverse("projects:mine")).content.decode()


def test_pages_have_no_inline_script_or_style(
    client: Any, city: SimpleNamespace, group: ProjectGroup, application: ProjectMember
) -> None:
    client.force_login(city.secretary)
    for url in (
        reverse("projects:list"),
        reverse("projects:detail", args=[group.pk]),
        reverse("projects:create"),
        reverse("projects:mine"),
    ):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<script>" not in html

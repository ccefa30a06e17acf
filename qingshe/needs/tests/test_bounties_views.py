"""Bounty pages: the board (order, filters, claim form, bounded queries), taking one up from the
board and from its page, the claimant's steps with htmx, outsiders, bad input."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from types import SimpleNamespace
from typing import Any

from django.urls import reverse

from qingshe.core.models import Notification
from qingshe.needs import services
from qingshe.needs.models import BountyClaim, Need, ProjectGroup
from qingshe.needs.tests.bounty_fixtures import PLAN, bounty, other_university, post_bounty  # noqa: F401

HX = {"HTTP_HX_REQUEST": "true"}


def test_board_lists_open_first_with_a_claim_form(
    client: Any,
    city: SimpleNamespace,
    bounty: Need,
    group: ProjectGroup,
    django_assert_max_num_queries: Any,
) -> None:
    taken = post_bounty(city, "社区微更新方案设计")
    services.bounty_claim(
        actor=city.university_admin, need=taken, claimant=city.university, group=group
    )
    for i in range(3):
        post_bounty(city, f"榜单{i}")
    client.force_login(city.university_admin)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("resources:bounties")).content.decode()
    assert "揭榜挂帅" in html and "共 5 个榜单" in html
    assert html.index(bounty.title) < html.index(taken.title)
    assert "青州学院团委" in html and group.name in html  # the claim line of the taken one
    # One claim form per open bounty, none for the taken one.
    assert html.count('action="/resources/bounties/') == 4
    assert f'name="b{bounty.pk}-plan"' in html and f'name="b{taken.pk}-plan"' not in html
    html = client.get(reverse("resources:bounties"), {"status": "taken"}, **HX).content.decode()
    assert taken.title in html and bounty.title not in html and "<html" not in html
    # The posting community: the same bounded count, whatever the claims on the page.
    client.force_login(city.staff)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("resources:bounties")).content.decode()
    assert "确认揭榜" not in html and taken.title in html


def test_claim_from_the_board(
    client: Any,
    city: SimpleNamespace,
    bounty: Need,
    dept_group: ProjectGroup,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(city.department_admin)
    p = f"b{bounty.pk}-"
    data = {f"{p}claimant": city.department.pk, f"{p}group": dept_group.pk, f"{p}plan": PLAN}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("resources:bounty_claim", args=[bounty.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse(
        "resources:bounty", args=[bounty.pk]
    )
    claim = BountyClaim.objects.get()
    assert (claim.claimant, claim.assigned_group, claim.plan) == (city.department, dept_group, PLAN)
    assert Notification.objects.filter(user=city.staff, kind="bounty.claimed").exists()
    html = client.get(response["Location"]).content.decode()
    assert "揭榜成功" in html and PLAN in html and "揭榜记录" in html and "开始实施" in html


def test_second_claim_is_refused_on_the_page(
    client: Any, city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.department)
    client.force_login(other_university.admin)
    page = client.get(reverse("resources:bounty", args=[bounty.pk])).content.decode()
    assert "确认揭榜" not in page  # no form on a taken bounty
    # A stale form posted anyway: 409 and the reason, nothing written.
    url = reverse("resources:bounty_claim", args=[bounty.pk])
    response = client.post(url, {"claimant": other_university.university.pk, "plan": "我们也想做"})
    assert response.status_code == 409
    assert "该榜单已被其他单位揭榜" in response.content.decode()
    html = client.post(url, {"claimant": other_university.university.pk}, **HX).content.decode()
    assert "该榜单已被其他单位揭榜" in html and "<html" not in html
    assert BountyClaim.objects.count() == 1


def test_claim_with_bad_input(
    client: Any, city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    client.force_login(city.university_admin)
    url = reverse("resources:bounty_claim", args=[bounty.pk])
    # A department of another university is not among the choices.
    response = client.post(
        url, {"claimant": city.university.pk, "assigned_org": other_university.department.pk}
    )
    assert response.status_code == 422
    assert "请修改标出的内容" in response.content.decode()
    # Someone else's organisation as claimant: not a choice either.
    response = client.post(url, {"claimant": other_university.university.pk})
    assert response.status_code == 422
    assert not BountyClaim.objects.exists()


def test_claimant_steps_with_htmx(
    client: Any, city: SimpleNamespace, bounty: Need, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    client.force_login(city.university_admin)
    page = client.get(reverse("resources:bounty", args=[bounty.pk])).content.decode()
    assert "转交实施单位" in page and "撤销揭榜" in page and "开始实施" in page
    html = client.post(
        reverse("resources:bounty_assign", args=[bounty.pk]), {"group": dept_group.pk}, **HX
    ).content.decode()
    assert "已更改实施单位" in html and "<html" not in html
    assert BountyClaim.objects.get().assigned_group == dept_group
    html = client.post(reverse("resources:bounty_start", args=[bounty.pk]), **HX).content.decode()
    assert "已开始实施" in html
    html = client.post(
        reverse("resources:bounty_withdraw", args=[bounty.pk]), {"reason": ""}, **HX
    ).content.decode()
    assert "请说明理由" in html
    bounty.refresh_from_db()
    assert bounty.state == "in_progress"
    response = client.post(
        reverse("resources:bounty_withdraw", args=[bounty.pk]), {"reason": "人手不足"}
    )
    assert response.status_code == 302
    bounty.refresh_from_db()
    assert bounty.state == "accepted"
    html = client.get(reverse("resources:bounty", args=[bounty.pk])).content.decode()
    assert "人手不足" in html and "确认揭榜" in html


def test_group_leader_starts_from_the_bounty_page(
    client: Any, city: SimpleNamespace, bounty: Need, group: ProjectGroup
) -> None:
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    client.force_login(city.secretary)
    page = client.get(reverse("resources:bounty", args=[bounty.pk])).content.decode()
    assert "开始实施" in page and "转交实施单位" not in page and "撤销揭榜" not in page
    assert client.post(reverse("resources:bounty_start", args=[bounty.pk])).status_code == 302
    bounty.refresh_from_db()
    assert bounty.state == "in_progress"
    # The group's page lists the bounty as a linked need.
    html = client.get(reverse("projects:detail", args=[group.pk])).content.decode()
    assert bounty.title in html and reverse("resources:bounty", args=[bounty.pk]) in html


def test_outsiders(
    client: Any, city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    for user in (city.student, city.other_staff, city.resident):
        client.force_login(user)
        assert bounty.title not in client.get(reverse("resources:bounties")).content.decode()
        assert client.get(reverse("resources:bounty", args=[bounty.pk])).status_code == 404
        assert (
            client.post(reverse("resources:bounty_claim", args=[bounty.pk]), {}).status_code == 404
        )
    # The posting community sees its bounty but has no claim form and may not claim.
    client.force_login(city.staff)
    page = client.get(reverse("resources:bounty", args=[bounty.pk])).content.decode()
    assert bounty.title in page and "确认揭榜" not in page
    assert client.post(reverse("resources:bounty_claim", args=[bounty.pk]), {}).status_code == 403
    # Another university sees it but may not start or hand on someone else's claim.
    services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.department)
    client.force_login(other_university.admin)
    assert client.post(reverse("resources:bounty_start", args=[bounty.pk])).status_code == 403
    assert (
        client.post(
            reverse("resources:bounty_withdraw", args=[bounty.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    bounty.refresh_from_db()
    assert bounty.state == "claimed"
    client.logout()
    assert client.get(reverse("resources:bounties")).status_code == 302


def test_pages_have_no_inline_script_or_style(
    client: Any, city: SimpleNamespace, bounty: Need
) -> None:
    client.force_login(city.university_admin)
    for url in (reverse("resources:bounties"), reverse("resources:bounty", args=[bounty.pk])):
        html = client.get(url).content.decode()
        assert "<script>" not in html and "style=" not in html and "onclick" not in html

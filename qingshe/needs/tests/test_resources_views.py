"""Resource pages: the list with filters (bounded queries), offering, editing and withdrawing,
unlinking a group; outsiders; bad input; home panels."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from qingshe.needs import services
from qingshe.needs.models import Need, ProjectGroup, Resource
from qingshe.needs.tests.bounty_fixtures import bounty, partner, partner_contact, resource  # noqa: F401

HX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


def test_list_and_filters(
    client: Any, city: SimpleNamespace, resource: Resource, django_assert_max_num_queries: Any
) -> None:
    hall = services.resource_create(
        actor=city.university_admin,
        owner=city.university,
        kind="venue",
        title="学术报告厅",
        available_from=TODAY + timedelta(days=30),
        availability_note="周末",
    )
    for i in range(25):
        services.resource_create(
            actor=city.department_admin, owner=city.department, kind="skills", title=f"技能{i}"
        )
    client.force_login(city.staff)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("resources:list")).content.decode()
    assert "资源清单" in html and "共 27 项资源" in html and "下一页" in html
    html = client.get(reverse("resources:list"), {"kind": "venue"}, **HX).content.decode()
    assert hall.title in html and resource.title not in html and "<html" not in html
    html = client.get(
        reverse("resources:list"), {"available_on": TODAY.isoformat(), "kind": "goods"}
    ).content.decode()
    assert resource.title in html and "200 份" in html and "青州爱心超市" in html
    html = client.get(reverse("resources:list"), {"owner": city.university.pk}).content.decode()
    assert hall.title in html and resource.title not in html
    # Nonsense filters are ignored, not errors.
    assert (
        client.get(
            reverse("resources:list"), {"available_on": "tomorrow", "owner": "x"}
        ).status_code
        == 200
    )
    assert "发布资源" not in html  # community staff offer nothing


def test_partner_offers_edits_and_withdraws(
    client: Any, city: SimpleNamespace, partner: Any, partner_contact: Any, group: ProjectGroup
) -> None:
    client.force_login(partner_contact)
    assert "发布资源" in client.get(reverse("resources:list")).content.decode()
    data = {
        "owner": partner.pk,
        "kind": "goods",
        "title": "",
        "quantity": "-5",
        "available_from": TODAY.isoformat(),
        "available_until": (TODAY + timedelta(days=10)).isoformat(),
    }
    html = client.post(reverse("resources:create"), data).content.decode()
    assert "请简要说明提供什么" in html and not Resource.objects.exists()
    html = client.post(reverse("resources:create"), {**data, "title": "文具"}).content.decode()
    assert "数量必须大于零" in html and not Resource.objects.exists()
    response = client.post(
        reverse("resources:create"), {**data, "title": "文具", "quantity": "50", "unit": "套"}
    )
    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "resources:detail", args=[resource.pk]
    )
    services.resource_link_group(actor=city.secretary, resource=resource, group=group)
    page = client.get(response["Location"]).content.decode()
    assert "文具" in page and "50 套" in page and group.name in page and "从清单下架" in page
    # The partner does not see the university's group: its name, no link.
    assert reverse("projects:detail", args=[group.pk]) not in page
    edit = reverse("resources:edit", args=[resource.pk])
    response = client.post(
        edit, {**data, "owner": "", "title": "文具礼包", "quantity": "60", "unit": "套"}
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.title, resource.quantity, resource.owner) == ("文具礼包", 60, partner)
    response = client.post(reverse("resources:unlink", args=[resource.pk, group.pk]))
    assert response.status_code == 302 and not resource.groups.exists()
    response = client.post(reverse("resources:withdraw", args=[resource.pk]), {"reason": "已发完"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.state == "withdrawn"
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "从清单下架</button>" not in page and "已撤回" in page
    assert client.post(reverse("resources:withdraw", args=[resource.pk])).status_code == 409
    assert client.get(edit).status_code == 403
    assert resource.title in client.get(reverse("resources:list"), {"mine": "1"}).content.decode()
    assert resource.title not in client.get(reverse("resources:list")).content.decode()


def test_outsiders(client: Any, city: SimpleNamespace, resource: Resource) -> None:
    for user in (city.student, city.resident):
        client.force_login(user)
        assert resource.title not in client.get(reverse("resources:list")).content.decode()
        assert client.get(reverse("resources:detail", args=[resource.pk])).status_code == 404
        assert client.post(reverse("resources:withdraw", args=[resource.pk])).status_code == 404
        assert client.get(reverse("resources:create")).status_code == 403
    # Community staff see it but cannot change it.
    client.force_login(city.staff)
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert resource.title in page and "从清单下架" not in page
    assert client.get(reverse("resources:edit", args=[resource.pk])).status_code == 403
    response = client.post(reverse("resources:withdraw", args=[resource.pk]), {"reason": "x"})
    assert response.status_code == 403
    resource.refresh_from_db()
    assert resource.state == "available"
    client.logout()
    assert client.get(reverse("resources:list")).status_code == 302


def test_home_panels(
    client: Any, city: SimpleNamespace, resource: Resource, partner_contact: Any, bounty: Need
) -> None:
    client.force_login(partner_contact)
    html = client.get(reverse("core:home")).content.decode()
    assert "本单位在资源清单上的资源" in html and resource.title in html
    client.force_login(city.department_admin)
    html = client.get(reverse("core:home")).content.decode()
    assert "可揭榜的榜单" in html and bounty.title in html
    client.force_login(city.student)
    html = client.get(reverse("core:home")).content.decode()
    assert "可揭榜的榜单" not in html and "本单位在资源清单上的资源" not in html


def test_pages_have_no_inline_script_or_style(
    client: Any, city: SimpleNamespace, resource: Resource, partner_contact: Any
) -> None:
    client.force_login(partner_contact)
    for url in (
        reverse("resources:list"),
        reverse("resources:create"),
        reverse("resources:detail", args=[resource.pk]),
        reverse("resources:edit", args=[resource.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>" not in html and "style=" not in html and "onclick" not in html

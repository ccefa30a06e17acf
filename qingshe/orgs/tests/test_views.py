"""The organisation tree and an organisation's page: scoping, search, members, query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.orgs import services
from qingshe.orgs.models import PostKind, Role
from qingshe.orgs.tests.factories import MembershipFactory

TREE = "/orgs/"


def test_tree_needs_login(client: Any, db: Any) -> None:
    assert client.get(TREE).status_code == 302


def test_student_sees_only_their_own_line(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = client.get(TREE).content.decode()
    for name in ("团市委", "青州学院团委", "经管系团委", "2024级旅游管理班团支部"):
        assert name in html
    for name in ("白沙社区", "2024级会计学班团支部", "东湖团区委"):
        assert name not in html
    assert "<details" in html and "高校团委" in html  # kinds as labels


def test_league_admin_sees_the_whole_nested_tree(client: Any, city: Any) -> None:
    client.force_login(city.league_admin)
    html = client.get(TREE).content.decode()
    assert html.index("东湖团区委") < html.index("白沙街道") < html.index("白沙社区")
    assert "列西社区" in html and html.count("<details") >= 5


def test_search_plain_and_htmx(client: Any, city: Any) -> None:
    client.force_login(city.district_admin)
    html = client.get(TREE, {"q": "社区"}).content.decode()
    assert "找到 2 个组织" in html and "白沙社区" in html and "富华社区" in html
    assert "列西社区" not in html  # another district
    assert "<html" in html
    partial = client.get(TREE, {"q": "白沙"}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="org-results"' in partial and "<html" not in partial and "白沙街道" in partial
    html = client.get(TREE, {"q": "不存在的组织"}).content.decode()
    assert "没有与“不存在的组织”匹配的" in html


def test_tree_query_count_is_bounded(
    client: Any, city: Any, django_assert_max_num_queries: Any
) -> None:
    from qingshe.orgs.models import OrgKind
    from qingshe.orgs.tests.factories import OrganisationFactory

    for i in range(20):
        OrganisationFactory(kind=OrgKind.RESIDENTIAL_AREA, name=f"小区{i}", parent=city.community)
    client.force_login(city.league_admin)
    with django_assert_max_num_queries(8):
        assert client.get(TREE).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(TREE, {"q": "小区"}).status_code == 200


def test_org_page_for_community_staff(client: Any, city: Any) -> None:
    client.force_login(city.staff)
    url = reverse("orgs:detail", args=[city.community.pk])
    html = client.get(url).content.decode()
    assert "白沙社区" in html and "白沙街道" in html  # breadcrumbs
    assert "居民甲" in html and city.resident.volunteer_no in html
    masked = city.resident.phone[:3] + "****" + city.resident.phone[-4:]
    assert masked in html and city.resident.phone not in html
    # Staff look after residents: the name links to the profile.
    assert reverse("accounts:person", args=[city.resident.pk]) in html


def test_staff_cannot_see_another_communitys_page(client: Any, city: Any) -> None:
    client.force_login(city.staff)
    assert client.get(reverse("orgs:detail", args=[city.other_community.pk])).status_code == 404
    client.force_login(city.student)
    assert client.get(reverse("orgs:detail", args=[city.community.pk])).status_code == 404
    assert client.get(reverse("orgs:detail", args=[999999])).status_code == 404


def test_resident_sees_the_page_but_not_the_members(client: Any, city: Any) -> None:
    client.force_login(city.resident)
    # A resident is a member of the community itself, so may see its members (neighbours) …
    html = client.get(reverse("orgs:detail", args=[city.community.pk])).content.decode()
    assert "白沙社区" in html
    # … but not those of the street above it, which is only an ancestor.
    html = client.get(reverse("orgs:detail", args=[city.street.pk])).content.decode()
    assert "白沙街道" in html and "仅对其负责人" in html and "社区工作者" not in html


def test_classmates_have_no_link_to_each_others_profile(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = client.get(reverse("orgs:detail", args=[city.branch.pk])).content.decode()
    assert "团支书" in html
    assert reverse("accounts:person", args=[city.secretary.pk]) not in html


def test_contact_phone_masked_unless_manager(client: Any, city: Any) -> None:
    services.org_update(
        actor=city.league_admin,
        org=city.community,
        contact_phone="13912345678",
        address="白沙路1号",
    )
    client.force_login(city.staff)
    html = client.get(reverse("orgs:detail", args=[city.community.pk])).content.decode()
    assert "139****5678" in html and "13912345678" not in html and "白沙路1号" in html
    client.force_login(city.district_admin)
    assert (
        "13912345678"
        in client.get(reverse("orgs:detail", args=[city.community.pk])).content.decode()
    )


def test_members_paginate_with_htmx_and_plain_links(
    client: Any, city: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(45):
        MembershipFactory(
            user=UserFactory(name=f"居民{i:02d}"), org=city.community, role=Role.RESIDENT
        )
    today = timezone.localdate()
    services.post_appoint(
        actor=None,
        user=city.secretary,
        org=city.community,
        kind=PostKind.GRID_LEADER,
        start_date=today,
        end_date=today + timedelta(days=200),
    )
    client.force_login(city.staff)
    url = reverse("orgs:detail", args=[city.community.pk])
    with django_assert_max_num_queries(14):
        html = client.get(url).content.decode()
    assert "第 1 页，共 3 页" in html and 'href="?page=2"' in html and 'hx-get="?page=2"' in html
    assert "网格小组长" in html
    with django_assert_max_num_queries(14):
        partial = client.get(url, {"page": 2}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="members"' in partial and "<html" not in partial and "第 2 页，共 3 页" in partial
    assert partial.count("<tr>") == 21  # header + 20 rows
    html = client.get(url, {"page": 3}).content.decode()
    assert "<html" in html and "第 3 页，共 3 页" in html

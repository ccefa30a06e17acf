"""API of the organisation tree: only what the caller may see; outsiders get 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from qingshe.accounts import services as account_services
from qingshe.accounts.tests.factories import PASSWORD
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.orgs import services
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.orgs.tests.factories import OrganisationFactory

OTHER_DISTRICT_NAMES = ("共青团西山区委员会", "西山团区委", "列西街道", "列西社区")


def _names(body: dict[str, Any]) -> set[str]:
    return {o["name"] for o in body["items"]}


def test_community_staff_sees_their_branch_of_the_tree_only(city: Any) -> None:
    client = api_client(city.staff)
    response = client.api_get("/orgs", {"page_size": 200})
    assert response.status_code == 200
    names = _names(response.json())
    # Their community's subtree plus its ancestors (for breadcrumbs).
    assert names == {"共青团青州市委员会", "共青团东湖区委员会", "白沙街道", "白沙社区"}
    raw = response.content.decode()
    for name in OTHER_DISTRICT_NAMES:
        assert name not in raw


def test_outside_scope_is_404_with_no_data(city: Any) -> None:
    client = api_client(city.staff)
    for org in (city.other_community, city.other_street, city.other_district, city.community2):
        body = assert_error(client.api_get(f"/orgs/{org.pk}"), 404, "not_found")
        assert org.name not in str(body)
        assert_error(client.api_get(f"/orgs/{org.pk}/children"), 404, "not_found")
        assert_error(client.api_get(f"/orgs/{org.pk}/members"), 404, "not_found")
    # Indistinguishable from an organisation that does not exist.
    missing = client.api_get("/orgs/999999").json()
    assert missing == client.api_get(f"/orgs/{city.other_community.pk}").json()


def test_league_admin_sees_everything(city: Any) -> None:
    body = api_client(city.league_admin).api_get("/orgs", {"page_size": 200}).json()
    assert body["count"] == Organisation.objects.count()
    assert set(OTHER_DISTRICT_NAMES[:1]) | {"列西社区"} <= _names(body)
    detail = api_client(city.league_admin).api_get(f"/orgs/{city.other_community.pk}")
    assert detail.status_code == 200 and detail.json()["name"] == "列西社区"


@pytest.mark.parametrize(
    ("who", "visible", "invisible"),
    [
        ("district_admin", "community", "other_community"),
        ("university_admin", "branch", "community"),
        ("department_admin", "branch2", "other_street"),
        ("student", "branch", "branch2"),
        ("other_resident", "other_community", "community"),
    ],
)
def test_visibility_per_role(city: Any, who: str, visible: str, invisible: str) -> None:
    client = api_client(getattr(city, who))
    assert client.api_get(f"/orgs/{getattr(city, visible).pk}").status_code == 200
    assert_error(client.api_get(f"/orgs/{getattr(city, invisible).pk}"), 404, "not_found")
    names = _names(client.api_get("/orgs", {"page_size": 200}).json())
    assert getattr(city, visible).name in names
    assert getattr(city, invisible).name not in names


def test_org_detail_fields(city: Any) -> None:
    body = api_client(city.staff, language="en").api_get(f"/orgs/{city.community.pk}").json()
    assert body == {
        "id": city.community.pk,
        "kind": "community",
        "kind_label": "Community",
        "name": "白沙社区",
        "short_name": "",
        "parent_id": city.street.pk,
        "depth": 3,
        "address": "",
        "lat": 26.2654,
        "lng": 117.6389,
        "contact_name": "",
        "contact_phone": "",
        "is_active": True,
    }
    zh = api_client(city.staff).api_get(f"/orgs/{city.community.pk}").json()
    with translation.override("zh-hans"):
        assert zh["kind_label"] == str(OrgKind.COMMUNITY.label) != "Community"


def test_contact_phone_is_masked_unless_the_caller_manages_the_org(city: Any) -> None:
    services.org_update(
        actor=city.league_admin,
        org=city.community,
        contact_name="李主任",
        contact_phone="13812345678",
    )
    path = f"/orgs/{city.community.pk}"
    for manager in (city.league_admin, city.district_admin):
        assert api_client(manager).api_get(path).json()["contact_phone"] == "13812345678"
    for viewer in (city.staff, city.resident):
        response = api_client(viewer).api_get(path)
        assert response.json()["contact_phone"] == "138****5678"
        assert "13812345678" not in response.content.decode()
    listed = api_client(city.staff).api_get("/orgs", {"q": "白沙社区"}).json()["items"]
    assert [o["contact_phone"] for o in listed] == ["138****5678"]


def test_filters(city: Any) -> None:
    client = api_client(city.league_admin)
    communities = client.api_get("/orgs", {"kind": OrgKind.COMMUNITY}).json()
    assert _names(communities) == {"白沙社区", "富华社区", "列西社区"}
    assert _names(client.api_get("/orgs", {"q": "列西"}).json()) == {"列西街道", "列西社区"}
    assert _names(client.api_get("/orgs", {"parent": city.street.pk}).json()) == {
        "白沙社区",
        "富华社区",
    }
    # Filters never widen the scope.
    staff = api_client(city.staff)
    assert staff.api_get("/orgs", {"q": "列西"}).json() == {"items": [], "count": 0}
    assert staff.api_get("/orgs", {"parent": city.other_street.pk}).json()["count"] == 0
    assert_error(client.api_get("/orgs", {"kind": "planet"}), 422, "invalid_input")
    assert_error(client.api_get("/orgs", {"parent": "x"}), 422, "invalid_input")


def test_children(city: Any) -> None:
    body = api_client(city.district_admin).api_get(f"/orgs/{city.street.pk}/children").json()
    assert body["count"] == 2 and _names(body) == {"白沙社区", "富华社区"}
    # The staff of one community sees its street but not the sibling community.
    body = api_client(city.staff).api_get(f"/orgs/{city.street.pk}/children").json()
    assert _names(body) == {"白沙社区"}


def test_members_for_stewards_and_members_only(city: Any) -> None:
    path = f"/orgs/{city.community.pk}/members"
    body = api_client(city.district_admin, language="en").api_get(path).json()
    assert body["count"] == 2
    assert {(m["name"], m["role"], m["role_label"]) for m in body["items"]} == {
        ("社区工作者", "community_staff", "Community staff"),
        ("居民甲", "resident", "Resident"),
    }
    for member in body["items"]:
        assert "****" in member["phone"]
    assert city.staff.phone not in str(body) and city.resident.phone not in str(body)
    # Filter by role.
    only = api_client(city.staff).api_get(path, {"role": Role.RESIDENT}).json()
    assert [m["name"] for m in only["items"]] == ["居民甲"]
    # Someone who may see the organisation but not its members: 404, like an outsider.
    assert api_client(city.university_admin).api_get(path).status_code == 404
    assert_error(api_client(city.other_staff).api_get(path), 404, "not_found")


def test_clear_id_number_never_appears_in_org_responses(city: Any) -> None:
    person = account_services.user_create(
        name="王身份", phone="13712345678", password=PASSWORD, id_number="11010519491231002X"
    )
    services.membership_grant(actor=None, user=person, org=city.community, role=Role.RESIDENT)
    for viewer in (city.league_admin, city.staff, person):
        client = api_client(viewer)
        for path in ("/orgs", f"/orgs/{city.community.pk}", f"/orgs/{city.community.pk}/members"):
            raw = client.api_get(path, {"page_size": 200}).content.decode()
            assert "11010519491231002X" not in raw
            assert "13712345678" not in raw


def test_orgs_list_query_count_is_bounded(city: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(60):
        OrganisationFactory(kind=OrgKind.GRID, name=f"网格{i}", parent=city.community)
    for user in (city.league_admin, city.staff):
        client = api_client(user)
        # token + grants + count + page (+ token last-used update)
        with django_assert_max_num_queries(5):
            assert len(client.api_get("/orgs", {"page_size": 200}).json()["items"]) > 50
        with django_assert_max_num_queries(5):
            client.api_get(f"/orgs/{city.community.pk}/children", {"page_size": 200})
        with django_assert_max_num_queries(5):
            client.api_get(f"/orgs/{city.community.pk}/members", {"page_size": 200})


def test_orgs_query_count_with_session_auth(city: Any, django_assert_max_num_queries: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(city.district_admin)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/orgs", {"page_size": 200}).status_code == 200

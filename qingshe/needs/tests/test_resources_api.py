"""The /resources API: the list (shape, filters, who sees it), offering, withdrawing; outsiders
and bad input (nothing written)."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.needs import services
from qingshe.needs.models import ProjectGroup, Resource
from qingshe.needs.tests.bounty_fixtures import partner, partner_contact, resource  # noqa: F401

TODAY = timezone.localdate()
PAYLOAD = {
    "kind": "venue",
    "title": "社区党群服务中心多功能厅",
    "quantity": "1",
    "unit": "间",
    "availability_note": "周末全天",
}


def test_list_shape_filters_and_queries(
    city: SimpleNamespace,
    resource: Resource,
    group: ProjectGroup,
    django_assert_max_num_queries: Any,
) -> None:
    services.resource_link_group(actor=city.secretary, resource=resource, group=group)
    later = services.resource_create(
        actor=city.university_admin,
        owner=city.university,
        kind="venue",
        title="学术报告厅",
        available_from=TODAY + timedelta(days=30),
    )
    client = api_client(city.staff)
    with django_assert_max_num_queries(6):
        body = client.api_get("/resources").json()
    assert body["count"] == 2
    assert [i["id"] for i in body["items"]] == [later.pk, resource.pk]
    item = body["items"][1]
    assert item["owner"]["kind"] == "partner" and item["kind_label"] == "物资"
    assert item["quantity"] == "200.00" and item["unit"] == "份" and item["state"] == "available"
    assert item["groups"] == [{"id": group.pk, "name": group.name}]
    assert client.api_get("/resources", {"kind": "venue"}).json()["count"] == 1
    assert (
        client.api_get("/resources", {"available_on": TODAY.isoformat()}).json()["items"][0]["id"]
        == resource.pk
    )
    assert client.api_get("/resources", {"owner": city.university.pk}).json()["count"] == 1
    assert client.api_get("/resources", {"page_size": 1}).json()["count"] == 2
    assert client.api_get(f"/resources/{resource.pk}").json()["title"] == resource.title


def test_who_sees_the_list(city: SimpleNamespace, resource: Resource, partner_contact: Any) -> None:
    for user in (
        city.league_admin,
        city.university_admin,
        city.secretary,
        city.staff,
        city.other_staff,
        partner_contact,
    ):
        assert api_client(user).api_get("/resources").json()["count"] == 1, user.name
    for user in (city.student, city.resident):
        client = api_client(user)
        assert client.api_get("/resources").json() == {"items": [], "count": 0}
        assert_error(client.api_get(f"/resources/{resource.pk}"), 404, "not_found")
    assert api_client(partner_contact).api_get("/resources", {"mine": True}).json()["count"] == 1
    assert api_client(city.staff).api_get("/resources", {"mine": True}).json()["count"] == 0


def test_offer_and_withdraw(city: SimpleNamespace, partner: Any, partner_contact: Any) -> None:
    client = api_client(partner_contact)
    response = client.api_post("/resources", {**PAYLOAD, "owner": partner.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == PAYLOAD["title"] and body["address"] == "白沙路1号"
    rid = body["id"]
    assert_error(
        api_client(city.staff).api_post(f"/resources/{rid}/withdraw", {}), 403, "forbidden"
    )
    body = client.api_post(f"/resources/{rid}/withdraw", {"reason": "场地装修"}).json()
    assert body["state"] == "withdrawn"
    assert_error(client.api_post(f"/resources/{rid}/withdraw", {}), 409, "resource_withdrawn")
    # Withdrawn: gone from the list, still seen by its managers (state=withdrawn).
    assert api_client(city.staff).api_get("/resources").json()["count"] == 0
    assert_error(api_client(city.staff).api_get(f"/resources/{rid}"), 404, "not_found")
    assert client.api_get("/resources", {"state": "withdrawn"}).json()["count"] == 1


def test_permissions_and_bad_input_write_nothing(
    city: SimpleNamespace, partner: Any, partner_contact: Any
) -> None:
    assert_error(
        api_client(city.secretary).api_post("/resources", {**PAYLOAD, "owner": city.branch.pk}),
        422,
        "invalid_owner",
    )
    # A partner outside the caller's tree is not found; the university above a department admin
    # is seen but not theirs to manage.
    body = assert_error(
        api_client(city.department_admin).api_post("/resources", {**PAYLOAD, "owner": partner.pk}),
        404,
        "not_found",
    )
    assert body["field"] == "owner"
    assert_error(
        api_client(city.department_admin).api_post(
            "/resources", {**PAYLOAD, "owner": city.university.pk}
        ),
        403,
        "forbidden",
    )
    client = api_client(partner_contact)
    for bad, code, field in (
        ({"quantity": "0"}, "invalid_quantity", "quantity"),
        ({"kind": "land"}, "invalid_choice", "kind"),
        ({"title": " "}, "title_required", "title"),
        (
            {
                "available_from": TODAY.isoformat(),
                "available_until": (TODAY - timedelta(days=1)).isoformat(),
            },
            "invalid_dates",
            "available_until",
        ),
    ):
        body = assert_error(
            client.api_post("/resources", {**PAYLOAD, "owner": partner.pk, **bad}), 422, code
        )
        assert body["field"] == field
    assert_error(client.api_post("/resources", {"owner": partner.pk}), 422, "invalid_input")
    assert_error(
        client.api_post("/resources", {**PAYLOAD, "owner": partner.pk, "quantity": "abc"}),
        422,
        "invalid_input",
    )
    assert not Resource.objects.exists()

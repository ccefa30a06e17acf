"""One pagination for every list: ?page= and ?page_size=, {"items": [...], "count": N}."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from qingshe.api.pagination import MAX_PAGE_SIZE, PagePagination
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.orgs.tests.factories import OrganisationFactory


@pytest.fixture
def many_grids(city: Any) -> list[Organisation]:
    return [
        OrganisationFactory(kind=OrgKind.GRID, name=f"第{i:03d}网格", parent=city.community)
        for i in range(45)
    ]


def test_default_page_and_shape(city: Any, many_grids: list[Organisation]) -> None:
    body = api_client(city.league_admin).api_get("/orgs").json()
    total = Organisation.objects.count()
    assert set(body) == {"items", "count"}
    assert body["count"] == total
    assert len(body["items"]) == 20


def test_pages_cover_everything_once(city: Any, many_grids: list[Organisation]) -> None:
    client = api_client(city.league_admin)
    seen: list[int] = []
    page = 1
    while True:
        body = client.api_get("/orgs", {"page": page, "page_size": 7}).json()
        if not body["items"]:
            break
        assert len(body["items"]) <= 7
        seen += [o["id"] for o in body["items"]]
        page += 1
    assert len(seen) == len(set(seen)) == body["count"] == Organisation.objects.count()


def test_page_past_the_end_is_empty_with_the_right_count(city: Any) -> None:
    body = api_client(city.league_admin).api_get("/orgs", {"page": 999}).json()
    assert body == {"items": [], "count": Organisation.objects.count()}


def test_page_size_bounds(city: Any, many_grids: list[Organisation]) -> None:
    client = api_client(city.league_admin, language="en")
    body = client.api_get("/orgs", {"page_size": MAX_PAGE_SIZE}).json()
    assert len(body["items"]) == body["count"] == Organisation.objects.count()
    assert len(client.api_get("/orgs", {"page_size": 1}).json()["items"]) == 1
    for bad in (
        {"page_size": MAX_PAGE_SIZE + 1},
        {"page_size": 0},
        {"page": 0},
        {"page": -3},
        {"page": "x"},
    ):
        assert_error(client.api_get("/orgs", bad), 422, "invalid_input")


def test_children_and_members_are_paginated_too(city: Any, many_grids: list[Organisation]) -> None:
    client = api_client(city.league_admin)
    body = client.api_get(
        f"/orgs/{city.community.pk}/children", {"page_size": 10, "page": 5}
    ).json()
    assert body["count"] == 45 and len(body["items"]) == 5
    body = client.api_get(f"/orgs/{city.community.pk}/members", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1


def test_the_class_pages_plain_lists() -> None:
    paginator = PagePagination()
    request = RequestFactory().get("/")
    result = paginator.paginate_queryset(
        list(range(45)), PagePagination.Input(page=3, page_size=20), request
    )
    assert result == {"items": list(range(40, 45)), "count": 45}
    result = paginator.paginate_queryset([], PagePagination.Input(), request)
    assert result == {"items": [], "count": 0}

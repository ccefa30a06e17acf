"""GET /api/v1/stats/overview: the figures of an organisation over whole months; 404 for an
organisation outside the caller's view, 401 without a login, 422 for a malformed period."""

from __future__ import annotations

from typing import Any

import pytest

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.reports.tests.dashboard_records import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(city: Any) -> Any:
    return build(city)


def test_overview_of_the_city(c: Any) -> None:
    response = api_client(c.league_admin).api_get(
        "/stats/overview", {"org": c.city.pk, "from": "2026-09", "to": "2026-11"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["org"] == c.city.pk
        and body["period_from"] == "2026-09"
        and body["period_to"] == "2026-11"
    )
    assert body["hours"] == "5.0" and body["volunteers"] == 1 and body["events"] == 2
    assert body["needs_received"] == 2 and body["needs_solved"] == 1 and body["needs_skilled"] == 1
    assert sum(body["needs_open_by_age"].values()) == 1
    assert [m["month"] for m in body["trend"]] == ["2026-09", "2026-10", "2026-11"]
    assert [m["hours"] for m in body["trend"]] == ["2.0", "3.0", "0.0"]
    assert {r["org"] for r in body["ranking"]} >= {c.district.pk, c.university.pk}
    assert body["refreshed_at"] is not None


def test_default_org_is_the_callers_own(c: Any) -> None:
    body = (
        api_client(c.staff).api_get("/stats/overview", {"from": "2026-10", "to": "2026-10"}).json()
    )
    assert body["org"] == c.community.pk and body["hours"] == "3.0"


def test_outside_the_callers_view_is_404(c: Any) -> None:
    assert_error(
        api_client(c.other_staff).api_get("/stats/overview", {"org": c.community.pk}),
        404,
        "not_found",
    )
    assert_error(
        api_client(c.student).api_get("/stats/overview", {"org": c.city.pk}), 404, "not_found"
    )
    assert_error(api_client(c.student).api_get("/stats/overview"), 404, "not_found")
    assert_error(
        api_client(c.league_admin).api_get("/stats/overview", {"org": 999999}), 404, "not_found"
    )


def test_without_login_is_401(c: Any) -> None:
    assert api_client().api_get("/stats/overview", {"org": c.city.pk}).status_code == 401


@pytest.mark.parametrize(
    "period",
    [
        {"from": "2026-13"},
        {"from": "2026/01"},
        {"from": "2026-11", "to": "2026-01"},
        {"from": "2001-01", "to": "2026-01"},
    ],
)
def test_a_malformed_period_is_422(c: Any, period: dict[str, str]) -> None:
    body = assert_error(
        api_client(c.league_admin).api_get("/stats/overview", {"org": c.city.pk, **period}),
        422,
        "bad_period",
    )
    assert body["detail"]

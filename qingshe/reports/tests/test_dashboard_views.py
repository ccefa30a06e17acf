"""Dashboard pages: the city's league admin reads the city, a district admin their district only,
community staff their community; anyone else gets 404 (the city, the community, the records);
each number links to the records behind it; a malformed period is refused in Chinese and the
default period shown; the page makes a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from qingshe.reports.tests.dashboard_records import build

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-09", "to": "2026-11"}


@pytest.fixture
def c(city: Any) -> Any:
    return build(city)


def _get(client: Any, user: Any, url: str, data: Any = None) -> Any:
    client.force_login(user)
    return client.get(url, data or {})


def test_city_dashboard_shows_the_figures_with_links_to_records(
    client: Any, c: Any, django_assert_max_num_queries: Any
) -> None:
    url = reverse("dashboard:org", args=[c.city.pk])
    client.force_login(c.league_admin)
    with django_assert_max_num_queries(25):
        response = client.get(url, PERIOD)
    assert response.status_code == 200
    board = response.context["board"]
    assert str(board.totals["hours"]) == "5.0"
    assert board.totals["volunteers"] == 1 and board.totals["teams"] == 1
    assert board.totals["events"] == 2
    assert board.totals["needs_received"] == 2 and board.totals["needs_solved"] == 1
    assert board.totals["resident_visits"] == 1
    assert sum(board.open_by_age.values()) == 1
    assert board.council_resolved == 1
    html = response.content.decode()
    hours_link = (
        reverse("dashboard:records", args=[c.city.pk, "hours"]) + "?from=2026-09&amp;to=2026-11"
    )
    assert hours_link in html
    assert 'data-chart="trend"' in html and "dash-data" in html
    assert "vendor/echarts/echarts.min.js" in html
    # The gap: the skilled need asks for 社会工作 and 计算机; one volunteer of 社会工作 served.
    gap = {g["major"]: (g["needs"], g["volunteers"]) for g in board.gap_majors}
    assert gap["社会工作"] == (1, 1) and gap["计算机"] == (1, 0)
    # The ranking lists the city's districts and university with their hours.
    ranked = {r.org.pk: r.hours for r in board.ranking}
    assert str(ranked[c.district.pk]) == "5.0" and str(ranked[c.university.pk]) == "5.0"
    assert str(ranked[c.other_district.pk]) == "0.0"


def test_records_behind_a_number(client: Any, c: Any) -> None:
    url = reverse("dashboard:records", args=[c.community.pk, "hours"])
    response = _get(client, c.staff, url, PERIOD)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert "学生甲" in response.content.decode()
    solved = _get(
        client, c.staff, reverse("dashboard:records", args=[c.community.pk, "needs_solved"]), PERIOD
    )
    assert "老人智能手机教学" in solved.content.decode()
    assert (
        _get(
            client, c.staff, reverse("dashboard:records", args=[c.community.pk, "nonsense"])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["other_staff", "student", "resident", "district_admin"])
def test_outsiders_get_404(client: Any, c: Any, who: str) -> None:
    user = getattr(c, who)
    assert _get(client, user, reverse("dashboard:org", args=[c.city.pk])).status_code == 404
    assert (
        _get(client, user, reverse("dashboard:records", args=[c.city.pk, "hours"])).status_code
        == 404
    )
    if who != "district_admin":
        assert (
            _get(client, user, reverse("dashboard:org", args=[c.community.pk])).status_code == 404
        )


def test_district_admin_reads_their_district_and_staff_their_community(client: Any, c: Any) -> None:
    assert (
        _get(
            client, c.district_admin, reverse("dashboard:org", args=[c.district.pk]), PERIOD
        ).status_code
        == 200
    )
    assert (
        _get(
            client, c.district_admin, reverse("dashboard:org", args=[c.other_district.pk])
        ).status_code
        == 404
    )
    response = _get(client, c.staff, reverse("dashboard:org", args=[c.community.pk]), PERIOD)
    assert response.status_code == 200
    assert response.context["parent"] is None  # the street above is not the staff's to read
    home = _get(client, c.staff, reverse("dashboard:home"))
    assert home.status_code == 302 and home["Location"] == reverse(
        "dashboard:org", args=[c.community.pk]
    )


def test_a_malformed_period_is_refused_in_chinese(client: Any, c: Any) -> None:
    response = _get(
        client,
        c.league_admin,
        reverse("dashboard:org", args=[c.city.pk]),
        {"from": "2026-13", "to": "2026-11"},
    )
    assert response.status_code == 200
    assert "月份" in response.context["period_error"]
    backwards = _get(
        client,
        c.league_admin,
        reverse("dashboard:org", args=[c.city.pk]),
        {"from": "2026-11", "to": "2026-01"},
    )
    assert "结束" in backwards.context["period_error"]


def test_every_number_counts_the_records_listed_behind_it(client: Any, c: Any) -> None:
    from qingshe.reports.dashboard.records import RECORDS

    client.force_login(c.league_admin)
    page = client.get(reverse("dashboard:org", args=[c.city.pk]), PERIOD)
    cards = {card["key"]: card for card in page.context["cards"]}
    listed = {}
    for figure in RECORDS:
        response = client.get(reverse("dashboard:records", args=[c.city.pk, figure]), PERIOD)
        assert response.status_code == 200, figure
        listed[figure] = response.context["page"].paginator.count
    for key in (
        "volunteers",
        "teams",
        "needs_received",
        "needs_solved",
        "resident_visits",
        "needs_open",
        "pairings_active",
        "pairings_idle",
        "featured_cases",
        "model_communities",
        "council",
    ):
        assert cards[key]["value"] == listed[key], key
        assert cards[key]["url"].startswith(reverse("dashboard:records", args=[c.city.pk, key]))
    assert cards["events"]["value"] == listed["events"] + listed["service_records"]
    assert cards["needs_received"]["value"] == listed["needs_labour"] + listed["needs_skilled"]

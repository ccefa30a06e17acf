"""The bounty board exports the bounties it shows (its status filter applied) to Excel; a
community outside the board's scope exports none of them."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from types import SimpleNamespace
from typing import Any

from django.urls import reverse

from qingshe.core.tests.export_helpers import sheet
from qingshe.needs import services
from qingshe.needs.models import Need, ProjectGroup
from qingshe.needs.tests.bounty_fixtures import bounty, post_bounty  # noqa: F401


def test_board_export_is_the_page_rows_with_its_filter(
    client: Any, city: SimpleNamespace, bounty: Need, group: ProjectGroup
) -> None:
    taken = post_bounty(city, "社区微更新方案设计")
    services.bounty_claim(
        actor=city.university_admin, need=taken, claimant=city.university, group=group
    )
    url = reverse("resources:bounties")
    client.force_login(city.university_admin)
    page = client.get(url).content.decode()
    assert "导出 Excel" in page and "export=xlsx" in page
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][:3] == ["编号", "标题", "状态"]
    # the page's order: open ones first
    assert [r[1] for r in rows[1:]] == [bounty.title, taken.title]
    assert rows[1][2] == "待揭榜" and rows[1][5] == city.community.display_name
    assert rows[2][-1].startswith("青州学院团委") and group.name in rows[2][-1]
    # the status filter of the page applies
    rows = sheet(client.get(url, {"status": "taken", "export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == [taken.title]


def test_board_export_outside_the_scope_has_none_of_the_rows(
    client: Any, city: SimpleNamespace, bounty: Need
) -> None:
    client.force_login(city.other_staff)
    rows = sheet(client.get(reverse("resources:bounties"), {"export": "xlsx"}))
    assert len(rows) == 1  # the header only
    assert bounty.title not in str(rows)

"""On a phone: the bounty board's "导出 Excel" button (under its status filter) downloads the
bounties the board shows, nothing else. Screenshot in test-artifacts/."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from typing import Any

import pytest
from openpyxl import load_workbook

from qingshe.needs import services
from qingshe.needs.tests.bounty_fixtures import bounty, post_bounty  # noqa: F401

pytestmark = pytest.mark.browser


def test_export_button_of_the_bounty_board(
    transactional_db: Any,
    city: Any,
    bounty: Any,
    group: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
    tmp_path: Any,
) -> None:
    taken = post_bounty(city, "社区微更新方案设计")
    services.bounty_claim(
        actor=city.university_admin, need=taken, claimant=city.university, group=group
    )
    page = login_page(city.university_admin.phone)
    page.goto(f"{live_server.url}/resources/bounties/?status=open")
    button = page.get_by_role("link", name="导出 Excel")
    assert button.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-bounties-export.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    info.value.save_as(tmp_path / "bounties.xlsx")
    rows = [
        [c.value for c in r] for r in load_workbook(tmp_path / "bounties.xlsx").active.iter_rows()
    ]
    assert [r[1] for r in rows[1:]] == [bounty.title]  # the open one only, as the page shows

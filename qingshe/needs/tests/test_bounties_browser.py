"""On a phone: a university admin takes up a bounty from the board (揭榜) and gives it to a
project group; the group's secretary starts the work; the community sees it under way.
Screenshots go to test-artifacts/."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from typing import Any

import pytest

from qingshe.needs.models import BountyClaim
from qingshe.needs.tests.bounty_fixtures import PLAN, bounty, post_bounty  # noqa: F401

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_take_up_a_bounty_and_start_it(
    transactional_db: Any,
    city: Any,
    bounty: Any,
    group: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
) -> None:
    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-bounties-{name}.png"), full_page=True)

    post_bounty(city, "社区微更新方案设计")
    page = login_page(city.university_admin.phone)
    assert page.get_by_text("可揭榜的榜单（揭榜挂帅）").is_visible()
    page.get_by_role("link", name="揭榜挂帅榜单").click()
    page.wait_for_load_state("networkidle")
    _fits(page)
    shot("1-board")
    card = page.locator("li.project-card", has_text=bounty.title)
    card.locator("summary").click()
    card.locator("select[name$='-group']").select_option(label=f"{group.name} · {city.branch.name}")
    card.locator("textarea[name$='-plan']").fill(PLAN)
    _fits(page)
    shot("2-claim-form")
    card.get_by_role("button", name="确认揭榜").click()
    page.wait_for_selector("text=揭榜成功，已通知发榜社区。")
    _fits(page)
    shot("3-claimed")
    claim = BountyClaim.objects.get()
    assert claim.assigned_group == group and claim.plan == PLAN

    page.context.clear_cookies()
    page = login_page(city.secretary.phone)
    page.goto(f"{live_server.url}/projects/{group.pk}/")
    assert page.get_by_role("link", name=bounty.title).is_visible()
    page.get_by_role("link", name=bounty.title).click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="已开始实施").click()
    page.wait_for_selector("text=已开始实施，已通知发榜社区。")
    _fits(page)
    shot("4-started")
    bounty.refresh_from_db()
    assert bounty.state == "in_progress"

    page.context.clear_cookies()
    page = login_page(city.staff.phone)
    page.goto(f"{live_server.url}/resources/bounties/?status=taken")
    assert page.get_by_text(bounty.title).is_visible()
    assert page.get_by_text("青州学院团委").first.is_visible()
    _fits(page)
    shot("5-community-sees-it")

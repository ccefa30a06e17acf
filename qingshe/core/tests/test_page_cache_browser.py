"""On a phone, the community worker's need board is served again from the page cache when
nothing changed, and shows a new need at the next reload after it was filed."""

from typing import Any

import pytest

from qingshe.needs.tests.needs_support import submit

pytestmark = pytest.mark.browser
HEADER = "x-qingshe-page-cache"


def test_a_reload_is_served_kept_until_a_need_is_filed(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    submit(city, title="帮我母亲学用智能手机挂号")
    page = login_page(city.staff.phone)
    first = page.goto(f"{live_server.url}/needs/")
    assert first is not None and first.status == 200
    again = page.reload()
    assert again is not None and again.headers.get(HEADER) == "hit"
    assert page.get_by_text("帮我母亲学用智能手机挂号").first.is_visible()

    submit(city, title="独居老人家里漏水")  # filed by someone else meanwhile
    fresh = page.reload()
    assert fresh is not None and HEADER not in fresh.headers
    assert page.get_by_text("独居老人家里漏水").first.is_visible()
    page.screenshot(path=str(screenshot_dir / "phone-page-cache-board.png"), full_page=True)

    page.get_by_role("link", name="独居老人家里漏水").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_selector("text=需求已受理")
    back = page.goto(f"{live_server.url}/needs/")
    assert back is not None and HEADER not in back.headers  # the acceptance changed the board

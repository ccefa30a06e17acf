"""The bell and the notification centre in a real browser (Debian's chromium), phone-sized."""

from __future__ import annotations

from typing import Any

import pytest

from qingshe.core.models import Notification

pytestmark = pytest.mark.browser


def test_bell_and_centre_on_a_phone(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    Notification.objects.create(
        user=city.student,
        kind="signup.promoted",
        title="您已从候补转为正式报名：邻里节",
        url="/duty/mine/",
    )
    Notification.objects.create(
        user=city.student,
        kind="dispatch.offer",
        title="新派单：帮白沙社区老人买菜",
        body="请在 24 小时内接单。",
    )
    Notification.objects.create(user=city.student2, kind="a.b", title="别人的通知")
    page = login_page(city.student.phone)
    page.wait_for_selector("#notification-bell .bell__count")
    assert page.locator("#notification-bell .bell__count").inner_text() == "2"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-notification-bell.png"))

    page.click("#notification-bell")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "通知"
    assert page.get_by_text("新派单：帮白沙社区老人买菜").is_visible()
    assert page.get_by_text("别人的通知").count() == 0
    page.screenshot(path=str(screenshot_dir / "phone-notification-centre.png"), full_page=True)

    # Open one: it is marked read and the browser follows its link.
    page.locator("li.note", has_text="邻里节").get_by_role("button", name="查看").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/duty/mine/")
    page.wait_for_selector("#notification-bell .bell__count")
    assert page.locator("#notification-bell .bell__count").inner_text() == "1"

    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已将 1 条通知标为已读").is_visible()
    assert page.locator("#notification-bell .bell__count").count() == 0
    page.get_by_role("link", name="未读", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("没有未读通知").is_visible()
    page.screenshot(path=str(screenshot_dir / "phone-notification-empty.png"), full_page=True)

    page.goto(f"{live_server.url}/notifications/settings/")
    page.check("#ch-needs-email")
    # The daily-digest box is as large as the table's (it was the browser's 13 px one).
    box = page.locator("input[name=daily_digest]").bounding_box()
    assert box is not None and box["width"] >= 20 and box["height"] >= 20
    page.check("input[name=daily_digest]")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("通知设置已保存").is_visible()
    assert page.is_checked("#ch-needs-email")
    page.screenshot(path=str(screenshot_dir / "phone-notification-settings.png"), full_page=True)

"""On a phone: the notification centre, its 未读 tab, then "导出 Excel" downloads the person's
unread notifications, nothing read and nobody else's. Screenshot in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from qingshe.core.models import Notification

pytestmark = pytest.mark.browser


def test_export_button_of_the_unread_notifications(
    transactional_db: Any,
    city: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
    tmp_path: Any,
) -> None:
    Notification.objects.create(
        user=city.student, kind="a.b", title="报名已确认：邻里节", read_at=timezone.now()
    )
    Notification.objects.create(
        user=city.student, kind="dispatch.offer", title="新派单：帮白沙社区老人买菜",
        body="请在 24 小时内接单。",
    )  # fmt: skip
    Notification.objects.create(user=city.student2, kind="a.b", title="别人的通知")
    page = login_page(city.student.phone)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("link", name="未读", exact=True).click()
    page.wait_for_url("**show=unread**")
    assert page.get_by_text("报名已确认：邻里节").count() == 0
    button = page.get_by_role("link", name="导出 Excel")
    assert button.is_visible() and "show=unread" in (button.get_attribute("href") or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-notifications-export.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    download.save_as(tmp_path / "notes.xlsx")
    rows = [[c.value for c in r] for r in load_workbook(tmp_path / "notes.xlsx").active.iter_rows()]
    assert rows[0] == ["标题", "内容", "发送时间", "阅读时间"]
    assert rows[1:] and [r[0] for r in rows[1:]] == ["新派单：帮白沙社区老人买菜"]
    assert rows[1][1] == "请在 24 小时内接单。" and rows[1][3] == "未读"

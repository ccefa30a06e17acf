"""Duty's main flow in a real browser, phone-sized: a student signs up for a shift about to start,
the leader's page shows the rotating QR code, the student opens the code's URL (what the phone's
camera does) and checks in with the browser's location, checks out, the community staff confirm
with the shift's times, and the student sees the hours. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import PASSWORD
from qingshe.duty import services
from qingshe.duty.models import Attendance
from qingshe.duty.tests.test_views import paired  # noqa: F401 -- the fixture

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NEAR_THE_VENUE = {"latitude": 26.2655, "longitude": 117.6390}


def _fits_the_phone(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _login(pg: Any, url: str, user: Any) -> None:
    pg.context.clear_cookies()
    pg.goto(f"{url}/accounts/login/")
    pg.fill("input[name=username]", user.phone)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("networkidle")


def test_sign_up_check_in_out_confirm_and_hours_on_a_phone(
    transactional_db: Any,
    city: Any,
    duty: Any,
    paired: Any,  # noqa: F811
    browser: Any,
    page: Any,
    live_server: Any,
    screenshot_dir: Any,
) -> None:
    url = live_server.url
    # A shift about to start: sign-up is still open and check-in opens 30 minutes before.
    start = (timezone.now() + timedelta(minutes=20)).replace(second=0, microsecond=0)
    shift = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=3,
        leader=city.secretary,
    )
    local_start = timezone.localtime(start)

    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, geolocation=NEAR_THE_VENUE, permissions=["geolocation"]
    )
    student = context.new_page()
    student.set_default_timeout(15_000)

    def shot(pg: Any, name: str) -> None:
        pg.screenshot(path=str(screenshot_dir / f"phone-duty-{name}.png"), full_page=True)

    # 1. The student finds the activity through the navigation and signs up for the shift.
    _login(student, url, city.student)
    student.get_by_role("link", name="报到服务", exact=True).click()
    student.wait_for_load_state("networkidle")
    _fits_the_phone(student)
    shot(student, "1-activities")
    student.get_by_role("link", name="敬老院陪伴").first.click()
    student.wait_for_load_state("networkidle")
    card = student.locator(f"#shift-{shift.pk}")
    card.get_by_role("button", name="报名").click()
    student.get_by_text("您已报名成功").wait_for()
    _fits_the_phone(student)
    shot(student, "2-signed-up")

    # 2. The leader opens the shift's page: a QR code of the check-in URL.
    _login(page, url, city.secretary)
    page.goto(f"{url}/duty/shifts/{shift.pk}/lead/")
    qr = page.locator(".qr__code")
    assert qr.locator("svg").is_visible()
    checkin_url = qr.get_attribute("data-url")
    assert checkin_url and "/duty/checkin/?t=" in checkin_url
    assert page.get_by_text("已报名", exact=True).first.is_visible()
    _fits_the_phone(page)
    shot(page, "3-leader-qr")

    # 3. The student opens the code's URL (what the camera app does) and checks in on the spot.
    student.goto(checkin_url)
    student.wait_for_function("document.querySelector('[data-geo=lat]').value !== ''")
    _fits_the_phone(student)
    shot(student, "4-checkin")
    student.get_by_role("button", name="签到").click()
    student.get_by_text("已签到（").wait_for()
    shot(student, "5-checked-in")
    attendance = Attendance.objects.get(user=city.student, shift=shift)
    assert attendance.checkin_lat is not None

    # The leader's page shows them on duty.
    page.reload()
    assert page.locator(".roster").get_by_text("已签到").is_visible()

    # 4. …and checks out by scanning again.
    student.goto(page.locator(".qr__code").get_attribute("data-url"))
    student.get_by_role("button", name="签退").click()
    student.get_by_text("已签退（").wait_for()
    _fits_the_phone(student)
    shot(student, "6-checked-out")

    # 5. The community's staff confirm with the shift's times and a reason.
    _login(page, url, city.staff)
    page.goto(f"{url}/duty/confirm/")
    assert page.get_by_text("学生甲").is_visible()
    assert page.get_by_text("确认截止").first.is_visible()
    _fits_the_phone(page)
    # The current tab (a later one in a row wider than the phone) is scrolled into view.
    tab = page.locator(".tabs a[aria-current=page]").bounding_box()
    assert tab is not None and tab["x"] >= 0 and tab["x"] + tab["width"] <= PHONE["width"]
    shot(page, "7-confirm-inbox")
    row = page.locator(".confirm-row").filter(has_text="学生甲")
    row.get_by_text("调整或不予确认").click()
    row.locator("input[name=start]").fill(local_start.strftime("%Y-%m-%dT%H:%M"))
    row.locator("input[name=end]").fill(
        (local_start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    row.locator("input[name=reason]").first.fill("按排班时间确认")
    row.get_by_role("button", name="按这些时间确认").click()
    page.get_by_text("已确认：学生甲，2.0 小时。").wait_for()
    shot(page, "8-confirmed")

    # 6. The student sees the hours.
    student.goto(f"{url}/duty/hours/")
    assert student.locator(".hours-total__n").inner_text() == "2.0"
    _fits_the_phone(student)
    shot(student, "9-hours")
    context.close()

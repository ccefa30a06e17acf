"""On a phone: a resident orders a service (large text, big choices, a similar need shown with
"follow this instead", a photo), then the community worker triages it on the need board.
Screenshots go to test-artifacts/."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qingshe.needs import services
from qingshe.needs.models import Need
from qingshe.needs.tests.needs_support import image_bytes, submit

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _px(page: Any, selector: str, prop: str = "font-size") -> float:
    return float(
        page.eval_on_selector(
            selector, f"e => getComputedStyle(e).getPropertyValue('{prop}')"
        ).rstrip("px")
    )


def test_resident_orders_on_a_phone(
    transactional_db: Any,
    city: Any,
    media_root: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
    tmp_path: Any,
) -> None:
    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-need-order-{name}.png"), full_page=True)

    submit(city, actor=city.staff, title="3号楼楼道灯不亮", description="晚上楼道里一片漆黑")
    picture = tmp_path / "楼道.jpg"
    picture.write_bytes(image_bytes("JPEG", (640, 480), "#445566"))
    page = login_page(city.resident.phone)
    page.get_by_role("link", name="我要点单").first.click()
    page.wait_for_load_state("networkidle")
    assert _px(page, ".order") >= 18 and _px(page, ".order input[name=title]") >= 18
    assert (
        _px(page, ".order__type", "min-height") >= 56
        and _px(page, ".order__next", "min-height") >= 56
    )
    _fits(page)
    shot("1-what")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_selector("text=请简要说明需要什么")
    shot("2-error")
    page.fill("input[name=title]", "楼道灯坏了")
    page.get_by_text("社区治理").click()
    page.get_by_role("button", name="下一步").click()
    page.wait_for_selector("text=是不是这些中的一个")
    assert page.get_by_text("3号楼楼道灯不亮").is_visible()
    assert page.get_by_role("button", name="关注这个，不再重复提交").is_visible()
    _fits(page)
    shot("3-similar")
    page.fill("input[name=day]", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.get_by_text("下午（14:00–17:30）").click()
    page.set_input_files("input[name=photos]", str(picture))
    page.get_by_role("button", name="提交点单").click()
    page.wait_for_selector("text=点单已提交")
    need = Need.objects.get(title="楼道灯坏了")
    assert need.reporter == city.resident and need.photos.count() == 1
    img = page.locator(".need__photos img")
    img.scroll_into_view_if_needed()
    for _ in range(50):  # the photo is served by the need's view, only to those who see the need
        if img.evaluate("img => img.complete && img.naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert img.evaluate("img => img.naturalWidth") == 640
    _fits(page)
    shot("4-sent")


def test_staff_triage_on_the_board(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-need-board-{name}.png"), full_page=True)

    for title in ("帮我母亲学用智能手机挂号", "孩子放学后没人辅导作业", "垃圾分类投放点气味大"):
        submit(city, title=title)
    urgent = submit(city, title="独居老人家里漏水", urgency=2)
    services.need_reject(actor=city.staff, need=submit(city, title="重复提交的"), reason="重复")
    page = login_page(city.staff.phone)
    page.get_by_role("link", name="需求", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".need-card").first.get_by_text("独居老人家里漏水").is_visible()
    _fits(page)
    shot("1-board")
    page.select_option("#f-urgency", "2")
    expect(page.locator(".need-card")).to_have_count(1)
    shot("2-urgent")
    page.get_by_role("link", name="独居老人家里漏水").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_selector("text=需求已受理")
    urgent.refresh_from_db()
    assert urgent.state == "accepted" and urgent.urgency == 2  # the form keeps the urgency
    _fits(page)
    shot("3-accepted")

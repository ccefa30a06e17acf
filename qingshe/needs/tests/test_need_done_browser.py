"""In a browser, the end of a need's journey: the student, on a phone, reports the work done
with a photo; the evaluation panel member, on a desktop, first forgets the evidence (told what
is missing), then verifies; the resident, on a phone, sees it verified and says it is not
solved; the work is done again, verified, and the community worker closes it. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from qingshe.needs import services
from qingshe.needs.models import Need
from qingshe.needs.tests.needs_support import image_bytes, in_progress

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def test_done_verified_reopened_and_closed_in_the_browser(
    transactional_db: Any,
    city: Any,
    panel: Any,
    media_root: Any,
    live_server: Any,
    browser: Any,
    screenshot_dir: Any,
    tmp_path: Any,
) -> None:
    from qingshe.accounts.tests.factories import PASSWORD

    need = in_progress(city, title="楼道灯坏了")
    url = f"{live_server.url}/needs/{need.pk}/"
    picture = tmp_path / "修好了.jpg"
    picture.write_bytes(image_bytes("JPEG", (800, 600), "#88aa66"))

    def person(user: Any, viewport: dict[str, int]) -> Any:
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(url)
        return page

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"need-done-{name}.png"), full_page=True)

    # The student reports it done with a photo, on a phone.
    student = person(city.student, PHONE)
    student.get_by_role("heading", name="报告完成").wait_for()
    student.fill("textarea[name=done-text]", "换了两只灯泡，楼道亮了。")
    student.set_input_files("input[name=done-photos]", str(picture))
    student.get_by_role("button", name="报告完成", exact=True).click()
    student.wait_for_selector("text=已报告完成")
    assert student.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(student, "1-student-reported")
    assert Need.objects.get(pk=need.pk).state == "claimed_done"

    # The panel member verifies, on a desktop: evidence is required.
    desk = person(panel, DESK)
    desk.get_by_role("button", name="核实已完成").click()
    desk.wait_for_selector("text=请说明您是如何核实的")
    assert Need.objects.get(pk=need.pk).state == "claimed_done"
    shot(desk, "2-panel-missing-evidence")
    desk.fill("textarea[name=verify-text]", "晚上到楼道查看，灯都亮了。")
    desk.get_by_role("button", name="核实已完成").click()
    desk.wait_for_selector("text=已核实完成")
    shot(desk, "3-panel-verified")
    assert Need.objects.get(pk=need.pk).state == "verified"

    # The resident, on a phone, says it is not solved.
    resident = person(city.resident, PHONE)
    resident.get_by_text("问题解决了吗").wait_for()
    resident.fill("textarea[name=reopen-text]", "三楼的灯还是不亮。")
    resident.get_by_role("button", name="没解决，重新办理").click()
    resident.wait_for_load_state("networkidle")
    assert Need.objects.get(pk=need.pk).state == "in_progress"
    shot(resident, "4-resident-reopened")

    # Done again and verified; the community worker closes it.
    services.need_report_done(actor=city.student, need=need, note="三楼也换好了")
    services.need_verify(actor=panel, need=need, evidence="再次查看，三楼亮了")
    staff = person(city.staff, DESK)
    staff.fill("textarea[name=close-text]", "办结")
    staff.locator("form[action$='/close/'] button[type=submit]").click()
    staff.wait_for_selector("text=需求已办结")
    assert Need.objects.get(pk=need.pk).state == "closed"
    for words in ("重新办理：问题没有解决", "三楼的灯还是不亮", "已办结"):
        assert staff.get_by_text(words).first.is_visible(), words
    shot(staff, "5-staff-closed")

"""我的数据 in a real browser, phone-sized: the student opens it from the profile, downloads the
Excel file, asks for deletion (the confirmation refuses an unticked box), and the university
admin carries it out. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qingshe.accounts import services as accounts
from qingshe.accounts.models import DeletionRequest, User
from qingshe.credit.tests.conftest import serve  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_my_data_download_and_deletion_on_a_phone(
    transactional_db: Any,
    city: Any,
    serve: Any,  # noqa: F811
    live_server: Any,
    login_page: Any,
    screenshot_dir: Path,
) -> None:
    student = city.student
    accounts.user_set_id_number(actor=student, user=student, id_number="11010519491231002X")
    serve(student, days_ago=3, minutes=120)
    page = login_page(student.phone)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-my-data-{name}.png"), full_page=True)

    page.goto(f"{live_server.url}/me/")
    page.get_by_role("link", name="我的数据").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="我的数据").is_visible()
    assert page.get_by_text("110105********002X").first.is_visible()
    assert page.get_by_text("11010519491231002X").count() == 0
    page.get_by_text("志愿服务时长台账").click()
    assert page.locator("#section-hours").get_by_text("敬老院陪伴").first.is_visible()
    _fits(page)
    shot("1-sections")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载（Excel）").click()
    assert info.value.suggested_filename == f"qingshe-my-data-{student.volunteer_no}.xlsx"

    page.get_by_role("link", name="申请删除").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="提交删除申请").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("请先确认您已了解删除的后果").first.is_visible()
    assert not DeletionRequest.objects.exists()
    shot("2-confirm-refused")
    page.get_by_label("我已知悉").check()
    page.get_by_role("button", name="提交删除申请").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("删除申请已提交。").is_visible()
    assert page.get_by_role("button", name="撤回申请").is_visible()
    _fits(page)
    shot("3-requested")

    page.context.clear_cookies()
    page = login_page(city.university_admin.phone)
    page.goto(f"{live_server.url}/me/data/requests/")
    assert page.get_by_text(student.volunteer_no).is_visible()
    page.get_by_role("button", name="执行").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("删除申请已执行。").is_visible()
    assert page.get_by_text("暂无待处理的申请。").is_visible()
    _fits(page)
    page.screenshot(path=str(screenshot_dir / "phone-my-data-4-carried-out.png"), full_page=True)
    person = User.objects.get(pk=student.pk)
    assert person.name.startswith("已注销用户#") and not person.is_active

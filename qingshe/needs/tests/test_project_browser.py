"""On a phone: a student applies to join a project group, the secretary accepts, the student sees
it. Screenshots go to test-artifacts/."""

from typing import Any

import pytest

from qingshe.needs.models import ProjectMember
from qingshe.needs.tests.conftest import STATEMENT

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_student_applies_secretary_accepts(
    transactional_db: Any,
    city: Any,
    group: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
) -> None:
    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-projects-{name}.png"), full_page=True)

    page = login_page(city.student.phone)
    page.get_by_role("link", name="项目组", exact=True).click()
    page.wait_for_load_state("networkidle")
    _fits(page)
    shot("1-list")
    page.get_by_role("link", name=group.name).click()
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=statement]", "想去")
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_selector("text=请用至少10个字说明想加入的理由")
    _fits(page)
    shot("2-apply-error")
    page.fill("textarea[name=statement]", STATEMENT)
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_selector("text=报名已提交")
    shot("3-applied")
    member = ProjectMember.objects.get()
    assert member.state == "applied"

    page.context.clear_cookies()
    page = login_page(city.secretary.phone)
    assert page.get_by_text("待我审核的项目组报名").is_visible()
    page.get_by_role("link", name=f"学生甲 · {group.name}").click()
    page.wait_for_load_state("networkidle")
    _fits(page)
    shot("4-secretary")
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_selector("text=学生甲已加入项目组")
    shot("5-accepted")
    member.refresh_from_db()
    assert member.state == "accepted"

    page.context.clear_cookies()
    page = login_page(city.student.phone)
    page.goto(f"{live_server.url}/projects/mine/")
    assert page.get_by_text("已通过").first.is_visible()
    _fits(page)
    shot("6-student-sees")

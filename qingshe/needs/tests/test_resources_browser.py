"""On a phone: a partner contact offers a resource (a mistake first, then right), finds it on the
resource list with the filters; a branch secretary links it to the project group.
Screenshots go to test-artifacts/."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qingshe.needs import services
from qingshe.needs.models import Resource
from qingshe.needs.tests.bounty_fixtures import partner, partner_contact  # noqa: F401

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_offer_a_resource_and_link_it(
    transactional_db: Any,
    city: Any,
    partner: Any,
    partner_contact: Any,
    group: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
) -> None:
    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-resources-{name}.png"), full_page=True)

    today = timezone.localdate()
    services.resource_create(
        actor=city.university_admin,
        owner=city.university,
        kind="venue",
        title="学术报告厅",
        availability_note="周末及节假日",
    )
    page = login_page(partner_contact.phone)
    assert page.get_by_text("本单位在资源清单上的资源").is_visible()
    page.get_by_role("link", name="发布资源").first.click()
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=kind]", "goods")
    page.fill("input[name=title]", "积分兑换生活用品")
    page.fill("input[name=quantity]", "0")
    page.fill("input[name=unit]", "份")
    page.fill("input[name=available_from]", today.isoformat())
    page.fill("input[name=available_until]", (today + timedelta(days=90)).isoformat())
    page.fill("input[name=availability_note]", "工作日 9:00-17:00")
    page.get_by_role("button", name="发布到资源清单").click()
    page.wait_for_selector("text=数量必须大于零。")
    _fits(page)
    shot("1-form-error")
    page.fill("input[name=quantity]", "200")
    page.get_by_role("button", name="发布到资源清单").click()
    page.wait_for_selector("text=资源已发布到资源清单。")
    _fits(page)
    shot("2-offered")
    resource = Resource.objects.get(title="积分兑换生活用品")
    assert resource.quantity == 200

    page.goto(f"{live_server.url}/resources/")
    page.select_option("select[name=kind]", "goods")
    page.wait_for_load_state("networkidle")
    page.get_by_text("共 1 项资源").wait_for()
    assert page.get_by_role("link", name="积分兑换生活用品").is_visible()
    assert not page.get_by_role("link", name="学术报告厅").is_visible()
    _fits(page)
    shot("3-list-filtered")

    page.context.clear_cookies()
    page = login_page(city.secretary.phone)
    page.goto(f"{live_server.url}/projects/{group.pk}/")
    page.select_option("select[name=resource]", str(resource.pk))
    page.get_by_role("button", name="关联资源").click()
    page.wait_for_selector("text=项目组开始使用“积分兑换生活用品”。")
    _fits(page)
    shot("4-group-uses-it")
    assert list(resource.groups.all()) == [group]
    # The group's tasks: add one, start it.
    page.locator("summary", has_text="添加任务").click()
    page.fill("input[name=title]", "领取积分兑换物资")
    page.fill("input[name=due_on]", (today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_selector("text=任务已添加。")
    page.get_by_role("button", name="开始").click()
    page.wait_for_selector("text=任务“领取积分兑换物资”已更新。")
    _fits(page)
    shot("5-group-task")
    assert group.tasks.get().state == "doing"

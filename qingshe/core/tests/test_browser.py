"""The pages in a real browser (Debian's chromium through Playwright), phone-sized and desktop.

Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_student_flow_on_a_phone(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    page = login_page(city.student.phone, "wrong-password")
    assert "手机号、用户名或密码不正确" in page.content()
    assert page.input_value("input[name=username]") == city.student.phone
    page.screenshot(path=str(screenshot_dir / "phone-login-error.png"), full_page=True)

    page = login_page(f"+86{city.student.phone}")
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "学生甲，您好"
    assert page.get_by_text("我的学生信息").is_visible()
    page.screenshot(path=str(screenshot_dir / "phone-home-student.png"), full_page=True)

    # No horizontal scrolling on a 390px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="组织", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("经管系团委").first.is_visible()
    page.fill("#org-q", "旅游")
    page.wait_for_selector("text=找到 1 个组织")
    page.wait_for_url(re.compile(r"[?&]q="))  # htmx pushes the search into the address bar
    page.screenshot(path=str(screenshot_dir / "phone-org-search.png"), full_page=True)

    page.get_by_role("link", name="2024级旅游管理班团支部").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "2024级旅游管理班团支部"
    assert page.get_by_text("团支书").is_visible()
    page.screenshot(path=str(screenshot_dir / "phone-org-page.png"), full_page=True)

    page.goto(f"{live_server.url}/me/edit/")
    page.fill("input[name=phone]", "12345")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("请输入有效的中国大陆手机号").first.is_visible()
    assert page.input_value("input[name=phone]") == "12345"
    page.screenshot(path=str(screenshot_dir / "phone-edit-error.png"), full_page=True)
    city.student.refresh_from_db()
    assert city.student.phone != "12345"


def test_steward_pages_on_a_desktop(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    page = login_page(city.staff.phone)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    assert page.get_by_text("我的社区").is_visible()
    page.screenshot(path=str(screenshot_dir / "desktop-home-staff.png"), full_page=True)
    page.goto(f"{live_server.url}/orgs/{city.community.pk}/")
    assert page.get_by_role("cell", name=city.resident.volunteer_no).is_visible()
    page.screenshot(path=str(screenshot_dir / "desktop-org-page.png"), full_page=True)
    # The language switch works without JavaScript and keeps the page.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/orgs/{city.community.pk}/")
    assert page.get_by_role("heading", name="Members").is_visible()
    # Log out through the POST form.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url


def test_league_admin_reveals_an_id_number(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    from datetime import date

    from qingshe.accounts import services
    from qingshe.core.tests.helpers import make_id_number

    number = make_id_number(date(2004, 3, 9))
    services.user_set_id_number(actor=city.student, user=city.student, id_number=number)
    page = login_page(city.league_admin.phone)
    page.goto(f"{live_server.url}/people/{city.student.pk}/")
    assert number not in page.content()
    page.get_by_role("button", name="查看完整身份证号").click()
    page.wait_for_selector(f"text={number}")
    assert page.url.endswith(f"/people/{city.student.pk}/")  # swapped in place by htmx
    page.screenshot(path=str(screenshot_dir / "phone-person-revealed.png"), full_page=True)


def test_league_admins_menu_is_all_on_screen_on_a_desktop(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    """A league admin's menu has the most entries; at 1366 px it ran past the right edge with no
    scroll bar (the last entries could not be seen). It wraps onto a second row instead."""
    page = login_page(city.league_admin.phone)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/")
    links = page.locator(".site-nav a")
    assert links.count() >= 8
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1366, links.nth(
            i
        ).inner_text()
    assert page.evaluate("document.querySelector('.site-nav ul').scrollWidth") <= page.evaluate(
        "document.querySelector('.site-nav ul').clientWidth"
    )
    page.screenshot(path=str(screenshot_dir / "desktop-home-league-admin-menu.png"), full_page=True)

"""Credit's pages in a real browser, phone-sized: the student opens their volunteer record through
the navigation, asks for a certificate, and a stranger (no login) opens its verification page,
then one with an altered code. Screenshots go to test-artifacts/ (phone-credit-*.png)."""

from __future__ import annotations

from typing import Any

import pytest

from qingshe.accounts.tests.factories import PASSWORD
from qingshe.credit.models import Certificate

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits_the_phone(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_my_hours_certificate_and_public_verification_on_a_phone(
    transactional_db: Any, city: Any, serve: Any, page: Any, live_server: Any, screenshot_dir: Any
) -> None:
    serve(city.student, days_ago=3, minutes=120)
    serve(city.student, days_ago=2, minutes=150)
    url = live_server.url

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-credit-{name}.png"), full_page=True)

    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", city.student.phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.get_by_role("link", name="志愿记录", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".hours-total__n").inner_text() == "4.5"
    assert page.get_by_text("敬老院陪伴").count() == 2
    assert page.get_by_text("确认人 社区工作者").count() == 2
    _fits_the_phone(page)
    shot("my-hours")

    page.get_by_role("link", name="我的证明").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="出具证明").click()
    page.wait_for_load_state("networkidle")
    cert = Certificate.objects.get(user=city.student)
    assert page.get_by_text(cert.number).count() >= 1
    _fits_the_phone(page)
    shot("certificates")

    # A stranger scans the QR code: the public page, without logging in.
    page.context.clear_cookies()
    page.goto(f"{url}/certificates/{cert.code}/verify/")
    assert page.locator(".verdict__title").inner_text().endswith("真实有效")
    assert (
        page.get_by_text("学生甲").count() >= 1
        and page.locator(".verdict__hours").inner_text() == "4.5"
    )
    _fits_the_phone(page)
    shot("verify")

    altered = cert.code[:-2] + ("0" if cert.code[-2] != "0" else "1") + cert.code[-1]
    page.goto(f"{url}/certificates/{altered}/verify/")
    assert page.locator(".verdict__title").inner_text().endswith("无效")
    assert page.get_by_text("学生甲").count() == 0
    shot("verify-altered")

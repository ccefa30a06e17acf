"""Hostile input (issue 11 item 5) in a real browser: a resident's order whose title and text
carry markup is shown as text: no dialog opens, no element is injected, and the page keeps to
its Content-Security-Policy (no violation reported)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

TITLE = "<script>alert(1)</script>修水管"
TEXT = '<img src=x onerror=alert(2)> =HYPERLINK("http://evil.example","点我") <b>粗体</b>'


def test_an_order_with_markup_is_shown_as_text(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    from qingshe.needs import services

    need = services.need_submit(
        actor=city.resident,
        community=city.community,
        title=TITLE,
        description=TEXT,
        address="<svg onload=alert(3)>白沙路1号",
        project_type="governance",
        service_field="technology",
    )
    page = login_page(city.resident.phone)
    dialogs: list[str] = []
    violations: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/needs/{need.pk}/")
    page.wait_for_load_state("networkidle")
    assert TITLE in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    assert "<img src=x onerror=alert(2)>" in body
    assert "<b>粗体</b>" in body
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("main b").filter(has_text="粗体").count() == 0
    assert page.locator("main svg[onload]").count() == 0
    page.screenshot(path=str(screenshot_dir / "hostile-xss-need-as-text.png"), full_page=True)
    assert dialogs == []
    assert violations == []

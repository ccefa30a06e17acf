"""Every printed demo login reaches its home page in a real browser; a screenshot of each."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from qingshe.demo.builder import build_demo
from qingshe.demo.logins import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_each_demo_login_reaches_its_home_page(
    transactional_db: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    build_demo(seed=2026, size=0.05, today=date(2026, 11, 22), log=lambda _line: None)
    for login in DEMO_LOGINS:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", login.username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url == f"{live_server.url}/", f"{login.username} did not reach the home page"
        heading = page.locator("h1").inner_text()
        assert login.name in heading, f"{login.username}: home page greets {heading!r}"
        # Each role sees at least one panel of things to act on (or its empty state).
        assert page.locator(".panel__title").count() >= 1, login.username
        page.screenshot(
            path=str(screenshot_dir / f"demo-home-{login.username}.png"), full_page=True
        )
        page.locator("form[action$='/accounts/logout/'] button").first.click()
        page.wait_for_load_state("networkidle")

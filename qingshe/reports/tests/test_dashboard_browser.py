"""The city dashboard in a real browser: the league admin opens it from the navigation, the
charts are drawn by ECharts served from our own static files, every chart has its table, a
number leads to its records; on a phone nothing is wider than the screen. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qingshe.reports.tests.dashboard_records import build

pytestmark = pytest.mark.browser


def test_city_dashboard_in_the_browser(
    transactional_db: Any,
    city: Any,
    live_server: Any,
    login_page: Any,
    browser: Any,
    screenshot_dir: Path,
) -> None:
    c = build(city)
    page = login_page(c.league_admin.phone)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_url(f"**/dashboard/{c.city.pk}/")
    page.goto(f"{live_server.url}/dashboard/{c.city.pk}/?from=2026-09&to=2026-11")
    page.wait_for_selector(".dash-chart[data-chart=trend] svg")
    assert page.locator(".dash-chart svg").count() == page.locator(".dash-chart").count() >= 4
    assert all(u.startswith(live_server.url) for u in requests)  # no CDN
    assert any("vendor/echarts/echarts.min.js" in u for u in requests)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    hours = page.locator(".dash-card[data-figure=hours] .dash-card__value")
    assert hours.inner_text() == "5.0"
    page.screenshot(path=str(screenshot_dir / "dashboard_city_phone.png"), full_page=True)

    wide = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    wide.add_cookies(page.context.cookies())
    desk = wide.new_page()
    desk.goto(f"{live_server.url}/dashboard/{c.city.pk}/?from=2026-09&to=2026-11")
    desk.wait_for_selector(".dash-chart[data-chart=ranking] svg")
    desk.screenshot(path=str(screenshot_dir / "dashboard_city_desktop.png"), full_page=True)

    hours.click()
    page.wait_for_url("**/records/hours/**")
    assert page.locator("table tbody tr").count() == 2
    page.screenshot(path=str(screenshot_dir / "dashboard_records_phone.png"), full_page=True)
    wide.close()

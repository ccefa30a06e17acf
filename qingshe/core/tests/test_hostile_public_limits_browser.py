"""The public council board past its rate limit, on a phone in a real browser: the reader gets
the short Chinese "too many requests" page (429) within the site's layout, not a bare error. The
limit is set low here (per-address counting is tested in test_hostile_public_limits.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.browser


def test_the_public_board_past_its_limit_on_a_phone(
    transactional_db: Any,
    city: Any,
    live_server: Any,
    page: Any,
    settings: Any,
    screenshot_dir: Any,
) -> None:
    # Per day: a one-minute window (django-ratelimit counts in fixed windows) can end between
    # these requests and let a fourth through (seen once in CI).
    settings.QINGSHE_RATE_LIMITS = {**settings.QINGSHE_RATE_LIMITS, "council_public": "3/d"}
    cache.clear()
    url = f"{live_server.url}/council/c/{city.community.pk}/public/"
    for _ in range(3):
        assert page.goto(url).status == 200
    response = page.goto(url)
    assert response.status == 429
    assert response.headers["retry-after"] == "60"
    alert = page.locator("main [role=alert]")
    assert "请求过于频繁，请稍后再试。" in alert.inner_text()
    # Readable on a phone: the message fits the screen's width.
    box = alert.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(screenshot_dir / "hostile-public-board-429.png"), full_page=True)
    cache.clear()

"""The public featured-case pages under the public-page rate limit (QINGSHE_RATE_LIMITS
["featured_cases"], qingshe.core.ratelimits): a real featured case reads fine under the limit,
past it the list and the case answer 429 in Chinese with Retry-After, and the case's photos
(loaded by the page itself, a dozen at a time) are not counted."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from qingshe.reports.services import case_review

# Per day: django-ratelimit counts in fixed windows, and a one-minute window can end between a
# test's requests and let one more through (seen once in CI).
LOW = {**settings.QINGSHE_RATE_LIMITS, "featured_cases": "3/d"}


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_a_featured_case_under_and_over_the_limit(city: SimpleNamespace, submit: Any) -> None:
    cache.clear()
    case = case_review(
        actor=city.league_admin,
        case=submit(title="四点半课堂的故事"),
        decision="feature",
        note="好",
    )
    photo = case.photos.get(order=1)
    anon = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="203.0.113.7")
    listing = anon.get("/cases/featured/")
    assert listing.status_code == 200 and "四点半课堂的故事" in listing.content.decode()
    for _ in range(2):
        page = anon.get(f"/cases/featured/{case.pk}/")
        assert page.status_code == 200 and "四点半课堂的故事" in page.content.decode()
    over = anon.get(f"/cases/featured/{case.pk}/")
    assert over.status_code == 429 and over["Retry-After"] == "60"
    html = over.content.decode()
    assert "请求过于频繁，请稍后再试。" in html and "四点半课堂的故事" not in html
    # Photos are not pages: the list's thumbnails still load.
    assert anon.get(f"/cases/featured/{case.pk}/photos/{photo.pk}/thumb/").status_code == 200
    other = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="198.51.100.20")
    assert other.get(f"/cases/featured/{case.pk}/").status_code == 200
    cache.clear()

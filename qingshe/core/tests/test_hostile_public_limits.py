"""Hostile input: floods of the public pages read without an account (the community's council
accountability board, the featured typical cases), limited like the other public endpoints
(qingshe.core.ratelimits, settings.QINGSHE_RATE_LIMITS "council_public" / "featured_cases").

Past the limit: 429, the Chinese message, Retry-After; counted per address (per account when
signed in), so another address still reads the page. The limits are set low here."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django_ratelimit.core import _split_rate

# Per day: django-ratelimit counts in fixed windows, and a one-minute window can end between a
# test's requests and let one more through (seen once in CI).
LOW = {**settings.QINGSHE_RATE_LIMITS, "council_public": "3/d", "featured_cases": "3/d"}
THROTTLED_ZH = "请求过于频繁，请稍后再试。"


@pytest.fixture(autouse=True)
def _fresh_counters(db: Any) -> Any:
    cache.clear()
    yield
    cache.clear()


def _anon(addr: str = "203.0.113.7") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR=addr)


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert THROTTLED_ZH in response.content.decode()
    assert response["Retry-After"] == "60"
    # A throttled answer is not the page: no shared cache may keep it as the public page.
    assert "public" not in response.get("Cache-Control", "")


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_the_council_public_board_is_rate_limited(city: SimpleNamespace) -> None:
    url = f"/council/c/{city.community.pk}/public/"
    anon = _anon()
    for _ in range(3):
        assert anon.get(url).status_code == 200
    _assert_throttled(anon.get(url))
    # Another address reads the board.
    assert _anon("198.51.100.20").get(url).status_code == 200


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_probing_council_board_ids_counts_too(city: SimpleNamespace) -> None:
    anon = _anon()
    # A street is not a community: 404, but counted before the look-up.
    for _ in range(3):
        assert anon.get(f"/council/c/{city.street.pk}/public/").status_code == 404
    _assert_throttled(anon.get(f"/council/c/{city.community.pk}/public/"))


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_signed_in_people_are_counted_by_account(city: SimpleNamespace) -> None:
    """Behind one campus address, a signed-in person has their own count."""
    url = f"/council/c/{city.community.pk}/public/"
    anon = _anon()
    for _ in range(3):
        anon.get(url)
    _assert_throttled(anon.get(url))
    staff = _anon()
    staff.force_login(city.staff)
    assert staff.get(url).status_code == 200


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_the_featured_cases_list_is_rate_limited(db: Any) -> None:
    anon = _anon()
    for _ in range(3):
        assert anon.get("/cases/featured/").status_code == 200
    _assert_throttled(anon.get("/cases/featured/"))
    # The htmx partial of the list counts as the page.
    _assert_throttled(anon.get("/cases/featured/?page=2", HTTP_HX_REQUEST="true"))
    assert _anon("198.51.100.20").get("/cases/featured/").status_code == 200


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_the_featured_list_and_detail_share_one_limit(db: Any) -> None:
    anon = _anon()
    assert anon.get("/cases/featured/").status_code == 200
    for _ in range(2):
        assert anon.get("/cases/featured/999999/").status_code == 404  # no such case, counted
    _assert_throttled(anon.get("/cases/featured/999999/"))
    _assert_throttled(anon.get("/cases/featured/"))
    assert _anon("198.51.100.20").get("/cases/featured/999999/").status_code == 404


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_the_featured_cases_api_shares_the_pages_limit(db: Any) -> None:
    """The same public list through the API cannot be read faster than the page."""
    anon = _anon()
    for _ in range(2):
        assert anon.get("/api/v1/cases/featured").status_code == 200
    assert anon.get("/cases/featured/").status_code == 200
    over = anon.get("/api/v1/cases/featured")
    assert over.status_code == 429
    assert over.json()["code"] == "throttled" and over.json()["detail"] == THROTTLED_ZH
    assert over["Retry-After"] == "60"
    assert _anon("198.51.100.20").get("/api/v1/cases/featured").status_code == 200


def test_the_public_page_limits_are_settings_with_sane_defaults() -> None:
    limits = settings.QINGSHE_RATE_LIMITS
    for name in ("council_public", "featured_cases"):
        count, seconds = _split_rate(limits[name])
        # A reader paging through a board or a list of cases is well under it.
        assert count >= 30 and seconds >= 60


def test_the_public_page_limits_are_documented() -> None:
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    for env_name in ("QINGSHE_RATE_COUNCIL_PUBLIC", "QINGSHE_RATE_FEATURED_CASES"):
        assert f"`{env_name}`" in readme

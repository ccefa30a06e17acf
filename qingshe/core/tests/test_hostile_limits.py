"""Hostile input (issue 11 item 5): brute force and floods.

- Login: failures on the login page lock the API token endpoint too (and the other way round),
  for the same login and address, with a Chinese message; the right password stays refused.
- Rate limits of the public or abuse-prone endpoints (settings.QINGSHE_RATE_LIMITS): a
  resident's order (page and API), the one-tap rating link (page and API), certificate
  verification (page and API). Past the limit: 429, a Chinese message, nothing written.
The limits are set low here (override_settings) so that a few requests reach them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from qingshe.accounts.services import token_issue
from qingshe.accounts.tests.factories import PASSWORD
from qingshe.needs.models import Need

# Per day: django-ratelimit counts in fixed windows, and a one-minute window can end between a
# test's requests and let one more through (seen once in CI).
LOW = {"need_order": "3/d", "rating": "3/d", "certificate_verify": "3/d"}
THROTTLED_ZH = "请求过于频繁，请稍后再试。"


@pytest.fixture(autouse=True)
def _fresh_counters(db: Any) -> Any:
    cache.clear()
    AccessAttempt.objects.all().delete()
    yield
    cache.clear()


def _api(user: Any | None = None) -> Client:
    if user is None:
        return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    raw, _token = token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")


# --- login brute force --------------------------------------------------------------------------
def test_failures_on_the_page_lock_the_api_token_too(city: SimpleNamespace) -> None:
    login = city.student.phone
    page = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.post("/accounts/login/", {"username": login, "password": "wrong-password"})
    answer = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/api/v1/auth/token",
        json.dumps({"login": login, "password": PASSWORD}),
        content_type="application/json",
    )
    assert answer.status_code == 429
    body = answer.json()
    assert body["code"] == "locked_out"
    assert "分钟" in body["detail"]
    assert "token" not in body


def test_failures_on_the_api_lock_the_login_page_too(city: SimpleNamespace) -> None:
    login = city.resident.phone
    api = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    statuses = [
        api.post(
            "/api/v1/auth/token",
            json.dumps({"login": login, "password": "nope"}),
            content_type="application/json",
        ).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429
    page = Client().post("/accounts/login/", {"username": login, "password": PASSWORD})
    assert page.status_code in (403, 429)
    assert "_auth_user_id" not in page.client.session
    # Another person on the same address is not locked out by someone else's failures.
    other = Client().post("/accounts/login/", {"username": city.staff.phone, "password": PASSWORD})
    assert other.status_code == 302


# --- resident ordering --------------------------------------------------------------------------
@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_resident_orders_on_the_page_are_rate_limited(city: SimpleNamespace) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(city.resident)
    data = {"step": "2", "community": str(city.community.pk), "title": "修水管"}
    statuses = [client.post("/needs/order/", data).status_code for _ in range(3)]
    assert 429 not in statuses
    before = Need.objects.count()
    response = client.post("/needs/order/", data)
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode()
    assert response["Retry-After"] == "60"
    assert Need.objects.count() == before
    # Counted per person: a neighbour is not throttled by this resident's orders.
    neighbour = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    neighbour.force_login(city.staff)
    assert neighbour.post("/needs/order/", data).status_code != 429


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_resident_orders_through_the_api_are_rate_limited(city: SimpleNamespace) -> None:
    api = _api(city.resident)
    payload = {
        "community": city.community.pk,
        "title": "陪老人去医院",
        "project_type": "governance",
        "service_field": "technology",
    }
    for _ in range(3):
        r = api.post("/api/v1/needs", json.dumps(payload), content_type="application/json")
        assert r.status_code == 201, r.content[:300]
    r = api.post("/api/v1/needs", json.dumps(payload), content_type="application/json")
    assert r.status_code == 429
    assert r.json() == {**r.json(), "code": "throttled", "detail": THROTTLED_ZH}
    assert Need.objects.filter(title="陪老人去医院").count() == 3


# --- the one-tap rating link ---------------------------------------------------------------------
def _invite(city: SimpleNamespace) -> Any:
    from qingshe.council.models import RatingInvite, Verification
    from qingshe.needs import services as needs

    need = needs.need_submit(
        actor=city.resident,
        community=city.community,
        title="楼道灯坏了",
        project_type="governance",
        service_field="technology",
    )
    verification = Verification.objects.create(need=need, outcome="pass", evidence="看过")
    return RatingInvite.objects.create(
        need=need,
        verification=verification,
        user=city.resident,
        expires_at=timezone.now() + timedelta(days=7),
    )


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_the_rating_page_is_rate_limited(city: SimpleNamespace) -> None:
    from qingshe.council.services import rating_token

    invite = _invite(city)
    url = f"/council/rate/{rating_token(invite)}/"
    anon = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(3):
        assert anon.get(url).status_code == 200
    response = anon.post(url, {"outcome": "solved", "stars": "5"})
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()
    invite.refresh_from_db()
    assert invite.used_at is None


@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_the_rating_api_is_rate_limited(city: SimpleNamespace) -> None:
    anon = _api()
    # Counted before the link is read: forged links cannot be tried faster than real ones.
    for _ in range(3):
        r = anon.post(
            "/api/v1/council/ratings/forged",
            json.dumps({"outcome": "solved", "stars": 5}),
            content_type="application/json",
        )
        assert r.status_code == 404
    r = anon.post(
        "/api/v1/council/ratings/forged",
        json.dumps({"outcome": "solved", "stars": 5}),
        content_type="application/json",
    )
    assert r.status_code == 429
    assert r.json()["code"] == "throttled"
    assert r.json()["detail"] == THROTTLED_ZH
    assert r["Retry-After"] == "60"


# --- certificate verification (existing limit, now a setting) ------------------------------------
@override_settings(QINGSHE_RATE_LIMITS=LOW)
def test_certificate_verification_is_rate_limited_by_the_setting(db: Any) -> None:
    anon = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(3):
        assert anon.get("/certificates/ABCD2345/verify/").status_code == 404
    page = anon.get("/certificates/ABCD2345/verify/")
    assert page.status_code == 429
    assert "核验次数过多" in page.content.decode()
    for _ in range(3):
        assert anon.get("/api/v1/certificates/ABCD2345/verify").status_code == 404
    api = anon.get("/api/v1/certificates/ABCD2345/verify")
    assert api.status_code == 429
    assert api.json()["detail"] == THROTTLED_ZH


def test_the_limits_are_settings_with_sane_defaults() -> None:
    limits = settings.QINGSHE_RATE_LIMITS
    assert set(limits) == {
        "need_order",
        "rating",
        "certificate_verify",
        "council_public",
        "featured_cases",
    }
    from django_ratelimit.core import _split_rate

    for rate in limits.values():
        count, seconds = _split_rate(rate)
        assert count >= 1 and seconds >= 60

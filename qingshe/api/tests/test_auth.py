"""Bearer tokens and the browser session both authenticate; CSRF guards session writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import timezone

from qingshe.accounts.models import ApiToken
from qingshe.api.auth import SessionCookieAuth
from qingshe.api.errors import ApiError
from qingshe.api.tests.utils import api_client, assert_error


def test_session_auth_for_pages(city: Any) -> None:
    client = Client()
    client.force_login(city.staff)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["id"] == city.staff.pk


def test_bearer_token_auth(city: Any) -> None:
    response = api_client(city.student).api_get("/me")
    assert response.status_code == 200
    assert response.json()["id"] == city.student.pk


def test_expired_token_is_refused(city: Any) -> None:
    client = api_client(city.student)
    ApiToken.objects.filter(user=city.student).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_error(client.api_get("/me"), 401, "not_authenticated")


def test_token_of_a_deactivated_person_is_refused(city: Any) -> None:
    client = api_client(city.student)
    type(city.student).objects.filter(pk=city.student.pk).update(is_active=False)
    assert_error(client.api_get("/me"), 401, "not_authenticated")


def test_a_bad_token_does_not_hide_a_valid_session(city: Any) -> None:
    client = Client()
    client.force_login(city.staff)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 200


def _session_request(user: Any, *, csrf_token: str | None) -> Any:
    request = RequestFactory().post("/api/v1/anything")
    request.user = user
    request._dont_enforce_csrf_checks = False
    request.COOKIES["csrftoken"] = "a" * 32
    if csrf_token:
        request.META["HTTP_X_CSRFTOKEN"] = csrf_token
    return request


def test_session_writes_need_the_csrf_token(city: Any) -> None:
    auth = SessionCookieAuth()
    with pytest.raises(ApiError) as caught:
        auth(_session_request(city.staff, csrf_token=None))
    assert caught.value.status == 403 and caught.value.code == "csrf_failed"
    assert auth(_session_request(city.staff, csrf_token="a" * 32)) == city.staff


def test_anonymous_session_is_401_not_a_csrf_error(db: Any) -> None:
    assert SessionCookieAuth()(_session_request(AnonymousUser(), csrf_token=None)) is None
    client = Client(enforce_csrf_checks=True)
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")

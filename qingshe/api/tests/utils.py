"""Helpers for API tests in every app: a bearer-token client and JSON requests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from qingshe.accounts.services import token_issue

API = "/api/v1"


class ApiClient(Client):
    """A test client that speaks JSON to /api/v1/ and can carry a bearer token."""

    def __init__(self, *, user: Any = None, language: str | None = None, **defaults: Any) -> None:
        if user is not None:
            raw, _token = token_issue(user=user)
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        if language:
            defaults["HTTP_ACCEPT_LANGUAGE"] = language
        super().__init__(**defaults)

    def api_get(self, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.get(API + path, data or {}, **extra)

    def api_post(self, path: str, payload: Any = None, **extra: Any) -> Any:
        return self.post(
            API + path,
            json.dumps(payload if payload is not None else {}),
            content_type="application/json",
            **extra,
        )


def api_client(user: Any = None, *, language: str | None = None) -> ApiClient:
    return ApiClient(user=user, language=language)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is an error of `status` in the API's shape with `code`; return the body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body

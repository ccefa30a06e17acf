"""The one error shape, in the request's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation
from ninja.errors import AuthenticationError, HttpError, ValidationError

from qingshe.api.errors import ApiError, validation_body
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.api.v1 import api
from qingshe.core.errors import Conflict, NotFound, ValidationFailed


def test_401_without_auth_in_chinese_by_default(db: Any) -> None:
    response = api_client().api_get("/me")
    body = assert_error(response, 401, "not_authenticated")
    assert "登录" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(body) == {"detail", "code"}


def test_401_in_english(db: Any) -> None:
    body = assert_error(api_client(language="en").api_get("/me"), 401, "not_authenticated")
    assert "log in" in body["detail"]


def test_401_with_a_wrong_bearer_token(db: Any) -> None:
    client = api_client(language="en")
    response = client.api_get("/me", HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert_error(response, 401, "not_authenticated")


def test_404_outside_scope_in_both_languages(city: Any) -> None:
    path = f"/orgs/{city.other_community.pk}"
    zh = assert_error(api_client(city.staff, language="zh-hans").api_get(path), 404, "not_found")
    en = assert_error(api_client(city.staff, language="en").api_get(path), 404, "not_found")
    assert en["detail"] == "No such organisation."
    assert "组织" in zh["detail"]  # the orgs app's own catalog may word it differently
    assert "列西" not in str(zh) + str(en)


def test_404_for_an_unknown_api_path_is_json(city: Any) -> None:
    response = api_client(city.staff, language="en").api_get("/no/such/thing")
    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "Not found."
    assert response["Content-Type"].startswith("application/json")


def test_422_names_the_fields_in_words(city: Any) -> None:
    client = api_client(city.league_admin, language="zh-hans")
    body = assert_error(client.api_get("/orgs", {"page": "abc"}), 422, "invalid_input")
    assert "页码" in body["detail"] and "须为整数" in body["detail"]
    assert body["field"] == "page"
    assert body["errors"] == [{"field": "page", "message": "须为整数"}]

    client = api_client(city.league_admin, language="en")
    body = assert_error(
        client.api_get("/orgs", {"page": 0, "page_size": 500}), 422, "invalid_input"
    )
    assert "page number" in body["detail"] and "at least 1" in body["detail"]
    assert "page size" in body["detail"] and "at most 200" in body["detail"]
    assert "field" not in body  # two fields at fault
    assert {e["field"] for e in body["errors"]} == {"page", "page_size"}


def test_422_on_a_bad_body_and_a_bad_path_parameter(db: Any) -> None:
    client = api_client(language="en")
    body = assert_error(client.api_post("/auth/token", {"login": "x"}), 422, "invalid_input")
    assert body["field"] == "password" and "required" in body["detail"]
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_422_for_a_path_id_that_is_not_a_number(city: Any) -> None:
    response = api_client(city.league_admin, language="en").api_get("/orgs/abc")
    body = assert_error(response, 422, "invalid_input")
    assert body["field"] == "org_id" and "whole number" in body["detail"]


def _request(language: str = "en") -> Any:
    request = RequestFactory().get("/api/v1/anything")
    translation.activate(language)
    return request


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ValidationFailed("invalid_grade", "Bad grade", field="grade"), 422, "invalid_grade"),
        (Conflict("phone_taken", "Taken", field="phone"), 409, "phone_taken"),
        (NotFound("not_found", "No such thing."), 404, "not_found"),
        (ApiError(403, "csrf_failed", "CSRF"), 403, "csrf_failed"),
        (AuthenticationError(), 401, "not_authenticated"),
        (Http404("secret internals"), 404, "not_found"),
        (HttpError(400, "Cannot parse request body"), 400, "bad_request"),
        (HttpError(405, "no"), 405, "method_not_allowed"),
    ],
)
def test_every_error_maps_to_the_shape(exc: Exception, status: int, code: str) -> None:
    import json

    try:
        response = api.on_exception(_request(), exc)
    finally:
        translation.deactivate()
    body = json.loads(response.content)
    assert response.status_code == status
    assert body["code"] == code
    assert body["detail"]
    if getattr(exc, "field", None):
        assert body["field"] == exc.field  # type: ignore[attr-defined]
    assert "secret internals" not in body["detail"]


def test_unexpected_errors_are_500_without_internals(caplog: Any) -> None:
    import json

    try:
        response = api.on_exception(
            _request("zh-hans"), RuntimeError("password=hunter2 at db.py:42")
        )
    finally:
        translation.deactivate()
    body = json.loads(response.content)
    assert response.status_code == 500
    assert body == {"detail": body["detail"], "code": "server_error"}
    assert "hunter2" not in body["detail"] and "服务器" in body["detail"]
    assert "RuntimeError" in caplog.text  # logged for the operators


def test_validation_body_without_errors_is_still_shaped() -> None:
    body = validation_body([])
    assert body["code"] == "invalid_input" and body["detail"]
    body = validation_body(
        ValidationError([{"loc": ("body", "payload"), "type": "json_invalid"}]).errors
    )
    assert body["errors"][0]["field"] == ""


def test_405_has_the_shape_and_the_allow_header(city: Any) -> None:
    client = api_client(city.staff, language="en")
    response = client.api_post("/me")
    body = assert_error(response, 405, "method_not_allowed")
    assert body["detail"] == "This method is not allowed here."
    assert response["Allow"] == "GET"
    zh = api_client(city.staff).delete("/api/v1/auth/token")
    assert_error(zh, 405, "method_not_allowed")
    assert "不允许" in zh.json()["detail"]

"""Regression found by the API fuzzing test: every operation documents the errors the framework
answers for it (400 for a body that is not JSON, 422 for parameters or a body that do not
validate), so that clients and schemathesis find those statuses in the schema."""

from __future__ import annotations

from typing import Any

from django.test import Client

from qingshe.api.tests.utils import api_client, assert_error


def test_every_operation_documents_400_and_422_where_they_can_happen(db: Any) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = set(operation["responses"])
            if operation.get("requestBody"):
                assert "400" in responses, (method, path)
            if operation.get("requestBody") or operation.get("parameters"):
                assert "422" in responses, (method, path)
    # An operation that did not list 422 itself (GET /rewards/{reward_id}) now does.
    reward = schema["paths"]["/api/v1/rewards/{reward_id}"]["get"]["responses"]["422"]
    assert reward["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_the_documented_statuses_are_the_ones_answered(city: Any) -> None:
    client = api_client(city.league_admin)
    assert_error(client.api_get("/rewards/not-a-number"), 422, "invalid_input")
    response = client.post("/api/v1/needs", b"\x00", content_type="application/json")
    assert_error(response, 400, "bad_request")

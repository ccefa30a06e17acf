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


def _item_component(schema: dict[str, Any], path: str) -> dict[str, Any]:
    components = schema["components"]["schemas"]
    paged = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    paged_ref = paged["schema"]["$ref"].rsplit("/", 1)[-1]
    item_ref = components[paged_ref]["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[-1]
    return components[item_ref]


def test_classes_of_the_same_name_in_two_apps_are_two_components(db: Any) -> None:
    # Regression: programmes' and credit's ApplicationOut (and their Paged… wrappers) were
    # published as one component, so GET /applications was documented with the partner
    # applications' fields (committee_id) it never returns; likewise three OrgRefOut.
    schema = Client().get("/api/v1/openapi.json").json()
    branch = _item_component(schema, "/api/v1/applications")
    partner = _item_component(schema, "/api/v1/partner-applications")
    assert "committee_id" not in branch["properties"]
    assert "committee_id" in partner["properties"]
    org_refs = [
        c for c in schema["components"]["schemas"].values() if c.get("title") == "OrgRefOut"
    ]
    assert len({tuple(sorted(c["properties"])) for c in org_refs}) == 3

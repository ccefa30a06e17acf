"""The OpenAPI document and the docs page."""

from __future__ import annotations

from typing import Any

from django.test import Client

from qingshe.api.v1 import api

EXPECTED_PATHS = {
    "/api/v1/auth/token",
    "/api/v1/me",
    "/api/v1/orgs",
    "/api/v1/orgs/{org_id}",
    "/api/v1/orgs/{org_id}/children",
    "/api/v1/orgs/{org_id}/members",
    "/api/v1/programmes",
    "/api/v1/programmes/{programme_id}",
    "/api/v1/programmes/{programme_id}/compliance",
    "/api/v1/calls",
    "/api/v1/applications",
    "/api/v1/applications/{application_id}",
    "/api/v1/applications/{application_id}/recommend",
    "/api/v1/applications/{application_id}/approve",
    "/api/v1/applications/{application_id}/reject",
    "/api/v1/applications/{application_id}/resubmit",
    "/api/v1/pairings",
    "/api/v1/pairings/suggestions",
    "/api/v1/pairings/{pairing_id}",
    "/api/v1/pairings/{pairing_id}/approve",
    "/api/v1/pairings/{pairing_id}/reject",
    "/api/v1/pairings/{pairing_id}/confirm",
    "/api/v1/pairings/{pairing_id}/services",
    "/api/v1/pairings/{pairing_id}/agreement.pdf",
    "/api/v1/pairings/{pairing_id}/appointment.pdf",
    "/api/v1/projects",
    "/api/v1/projects/{project_id}",
    "/api/v1/projects/{project_id}/members",
    "/api/v1/projects/{project_id}/members/{member_id}/decide",
    "/api/v1/activities",
    "/api/v1/activities/{activity_id}",
    "/api/v1/activities/{activity_id}/shifts",
    "/api/v1/shifts/{shift_id}/signup",
    "/api/v1/shifts/{shift_id}/cancel",
    "/api/v1/shifts/{shift_id}/qr",
    "/api/v1/checkin",
    "/api/v1/checkout",
    "/api/v1/shifts/{shift_id}/rollcall",
    "/api/v1/shifts/{shift_id}/remote-log",
    "/api/v1/attendance",
    "/api/v1/attendance/confirm",
    "/api/v1/attendance/{attendance_id}/confirm",
    "/api/v1/attendance/{attendance_id}/reject",
    "/api/v1/attendance/{attendance_id}/correct",
    "/api/v1/corrections/{correction_id}/decide",
    "/api/v1/me/shifts",
    "/api/v1/me/shifts.ics",
}


def test_openapi_json_lists_every_path(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "青社 Qingshe API"
    assert schema["info"]["version"] == "1"
    assert set(schema["paths"]) == EXPECTED_PATHS
    # Every operation the API serves is documented (the JSON 404 fallback is not an operation).
    served = {
        "/api/v1" + prefix + router_path
        for prefix, router in api._routers
        for router_path in router.path_operations
        if router_path != "/{path:unknown}"
    }
    assert served == set(schema["paths"])


def test_openapi_documents_auth_pagination_and_errors(db: Any) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    orgs = schema["paths"]["/api/v1/orgs"]["get"]
    params = {p["name"] for p in orgs["parameters"]}
    assert {"page", "page_size", "q", "kind", "parent"} <= params
    assert {"200", "401", "422"} <= set(orgs["responses"])
    components = schema["components"]["schemas"]
    assert {"items", "count"} <= set(components["PagedOrgOut"]["properties"])
    assert components["ErrorOut"]["properties"]["code"]["description"]
    assert components["OrgOut"]["properties"]["contact_phone"]["description"]
    # The token endpoint is public.
    assert not schema["paths"]["/api/v1/auth/token"]["post"].get("security")


def test_docs_use_bundled_static_files_not_a_cdn(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()

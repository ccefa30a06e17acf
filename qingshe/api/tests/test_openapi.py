"""The OpenAPI document and the docs page."""

from __future__ import annotations

from typing import Any

from django.test import Client

from qingshe.api.v1 import api

EXPECTED_PATHS = {
    # council (issue 8), care (issue 10), dashboards (issue 9)
    "/api/v1/beneficiaries",
    "/api/v1/beneficiaries/{beneficiary_id}",
    "/api/v1/beneficiaries/{beneficiary_id}/reveal",
    "/api/v1/care/stats",
    "/api/v1/council/lists",
    "/api/v1/council/meetings",
    "/api/v1/council/meetings/{meeting_id}",
    "/api/v1/council/meetings/{meeting_id}/close",
    "/api/v1/council/meetings/{meeting_id}/resolutions",
    "/api/v1/council/needs/{need_id}/send-back",
    "/api/v1/council/needs/{need_id}/verify",
    "/api/v1/council/ratings/{token}",
    "/api/v1/council/scores",
    "/api/v1/evaluations",
    "/api/v1/feedback-forms",
    "/api/v1/feedback-forms/{form_id}/confirm",
    "/api/v1/feedback-forms/{form_id}/return",
    "/api/v1/help-relationships",
    "/api/v1/help-relationships/{relationship_id}/visits",
    "/api/v1/stats/overview",
    "/api/v1/visits/{visit_id}/confirm",
    "/api/v1/visits/{visit_id}/reject",
    "/api/v1/auth/token",
    "/api/v1/me",
    "/api/v1/orgs",
    "/api/v1/orgs/{org_id}",
    "/api/v1/orgs/{org_id}/children",
    "/api/v1/orgs/{org_id}/members",
    "/api/v1/programmes",
    "/api/v1/programmes/{programme_id}",
    "/api/v1/programmes/{programme_id}/compliance",
    "/api/v1/programmes/{programme_id}/transcript-rules",
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
    "/api/v1/projects/{project_id}/tasks",
    "/api/v1/projects/{project_id}/tasks/{task_id}",
    "/api/v1/resources",
    "/api/v1/resources/{resource_id}",
    "/api/v1/resources/{resource_id}/withdraw",
    "/api/v1/bounties",
    "/api/v1/bounties/{need_id}",
    "/api/v1/bounties/{need_id}/assign",
    "/api/v1/bounties/{need_id}/start",
    "/api/v1/bounties/{need_id}/withdraw",
    "/api/v1/dispatch/plan",
    "/api/v1/dispatch/plans",
    "/api/v1/dispatch/plan/{plan_id}",
    "/api/v1/dispatch/plan/{plan_id}/lines",
    "/api/v1/dispatch/plan/{plan_id}/lines/{line_id}",
    "/api/v1/dispatch/plan/{plan_id}/apply",
    "/api/v1/dispatch/plan/{plan_id}/discard",
    "/api/v1/dispatch/claims",
    "/api/v1/needs/{need_id}/dispatch",
    "/api/v1/needs/{need_id}/accept",
    "/api/v1/needs/{need_id}/decline",
    "/api/v1/needs/{need_id}/withdraw",
    "/api/v1/needs/{need_id}/claim",
    "/api/v1/me/offers",
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
    # needs (issue 5: intake, triage, completion, verification; dispatch paths are the dispatch part's)
    "/api/v1/needs",
    "/api/v1/needs/similar",
    "/api/v1/needs/{need_id}",
    "/api/v1/needs/{need_id}/similar",
    "/api/v1/needs/{need_id}/triage",
    "/api/v1/needs/{need_id}/complete",
    "/api/v1/needs/{need_id}/verify",
    "/api/v1/needs/{need_id}/send-back",
    "/api/v1/needs/{need_id}/reopen",
    "/api/v1/needs/{need_id}/close",
    "/api/v1/needs/{need_id}/follow",
    "/api/v1/needs/{need_id}/photos",
    "/api/v1/needs/{need_id}/photos/{photo_id}",
    "/api/v1/me/hours",
    "/api/v1/me/transcript.pdf",
    "/api/v1/certificates",
    "/api/v1/certificates/{code}.pdf",
    "/api/v1/certificates/{code}/revoke",
    "/api/v1/certificates/{code}/verify",
    # points, rewards, partners, campaigns, venues (issue 7)
    "/api/v1/me/points",
    # notifications (core.notifications.api)
    "/api/v1/me/notifications",
    "/api/v1/me/notifications/{notification_id}/read",
    "/api/v1/me/notifications/read-all",
    "/api/v1/me/notification-preferences",
    "/api/v1/rewards",
    "/api/v1/rewards/{reward_id}",
    "/api/v1/rewards/{reward_id}/redeem",
    "/api/v1/redemptions",
    "/api/v1/redemptions/{code}",
    "/api/v1/redemptions/{code}/hand-over",
    "/api/v1/redemptions/{code}/cancel",
    "/api/v1/venues",
    "/api/v1/venues/{venue_id}/bookings",
    "/api/v1/bookings/{booking_id}/cancel",
    "/api/v1/campaigns",
    "/api/v1/campaigns/{campaign_id}",
    "/api/v1/campaigns/{campaign_id}/pledges",
    "/api/v1/pledges/{pledge_id}/receive",
    "/api/v1/partners",
    "/api/v1/partners/{partner_id}",
    "/api/v1/points/rules",
    "/api/v1/partner-applications",
    "/api/v1/partner-applications/{application_id}/decide",
    "/api/v1/commendations",
    "/api/v1/commendations/ranking",
    # typical cases (issue 9)
    "/api/v1/cases",
    "/api/v1/cases/featured",
    "/api/v1/cases/{case_id}",
    "/api/v1/cases/{case_id}/review",
    "/api/v1/cases/{case_id}/resubmit",
    "/api/v1/cases/{case_id}/photos/{photo_id}",
    "/api/v1/imports",
    "/api/v1/imports/{import_id}",
    "/api/v1/imports/{import_id}/errors",
    "/api/v1/imports/{import_id}/error-file",
    # 我的数据 (issue 11 item 6)
    "/api/v1/me/data",
    "/api/v1/me/data.xlsx",
    "/api/v1/me/deletion-request",
    "/api/v1/deletion-requests/{request_id}/execute",
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

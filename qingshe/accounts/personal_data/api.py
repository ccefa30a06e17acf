"""API: a person's data (`GET /me/data`, `GET /me/data.xlsx`), their deletion request
(`GET/POST /me/deletion-request`) and its execution by an admin (`POST /deletion-requests/{id}/execute`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from qingshe.accounts.personal_data import selectors, services
from qingshe.accounts.personal_data.models import DeletionRequest
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound

router = Router(tags=["personal data"])


class SectionOut(Schema):
    title: str = Field(..., description="The kind of record, in the request's language.")
    columns: dict[str, str] = Field(..., description="Field key → label.")
    rows: list[dict[str, Any]] = Field(
        ..., description="One object per record, keyed like `columns`."
    )


class MyDataOut(Schema):
    generated_at: datetime
    volunteer_no: str = Field(..., description="Volunteer number (志愿者编号).")
    sections: dict[str, SectionOut] = Field(
        ...,
        description="Every app's records about the caller: profile, student, consents, tokens, memberships, "
        "posts, signups, attendance, training, hours, points, redemptions, certificates, honours, "
        "partner_applications, needs, assignments, projects, ratings, care, notifications, audit. The ID "
        "number is masked (first 6 and last 4).",
    )


class DeletionIn(Schema):
    confirm: bool = Field(
        False,
        description="Must be true: the person confirms that they understand what deletion does.",
    )


class DeletionOut(Schema):
    id: int
    state: str = Field(..., description="`pending`, `done` or `cancelled`.")
    requested_at: datetime
    executed_at: datetime | None = None
    automatic: bool = Field(..., description="Carried out by the automatic rule (after 15 days).")
    summary: dict[str, int] = Field(..., description="What was done: counts per kind of record.")


@router.get("/me/data", response={200: MyDataOut, **error_responses(401)}, summary="My data")
def my_data(request: HttpRequest) -> Any:
    """Everything the platform holds about the caller (PIPL art. 45). The read is audited."""
    user = request.auth  # type: ignore[attr-defined]
    return json.loads(services.personal_data_json(actor=user, person=user))


@router.get(
    "/me/data.xlsx",
    response={200: None, **error_responses(401)},
    summary="My data as Excel",
    openapi_extra={
        "responses": {
            "200": {
                "description": "One sheet per section.",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}
                },
            }
        }
    },
)
def my_data_xlsx(request: HttpRequest) -> HttpResponse:
    user = request.auth  # type: ignore[attr-defined]
    data = services.personal_data_xlsx(actor=user, person=user)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="qingshe-my-data-{user.volunteer_no}.xlsx"'
    )
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/me/deletion-request",
    response={200: DeletionOut, **error_responses(401, 404)},
    summary="My latest deletion request",
)
def deletion_request_get(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    req = selectors.deletion_requests_of(person=user).first()
    if req is None:
        raise NotFound("not_found", _("You have not asked for deletion."))
    return req


@router.post(
    "/me/deletion-request",
    response={201: DeletionOut, **error_responses(401, 409, 422)},
    summary="Ask for my data to be deleted",
)
def deletion_request_create(request: HttpRequest, payload: DeletionIn) -> Any:
    """The caller asks for deletion; `confirm: true` is required. A second request while one is
    pending is 409 `deletion_pending`. An admin carries it out, or the platform after 15 days."""
    user = request.auth  # type: ignore[attr-defined]
    created = services.deletion_request_create(actor=user, person=user, confirm=payload.confirm)
    return Status(201, created)


@router.post(
    "/deletion-requests/{request_id}/execute",
    response={200: DeletionOut, **error_responses(401, 403, 404, 409)},
    summary="Carry out a deletion request",
)
def deletion_request_execute(request: HttpRequest, request_id: int) -> Any:
    """For a league or university admin over the person's organisation (or platform staff).
    Requests outside the caller's scope are 404. Idempotent: a request already carried out is
    returned unchanged."""
    user = request.auth  # type: ignore[attr-defined]
    req = DeletionRequest.objects.filter(pk=request_id).select_related("user").first()
    if req is None or (
        req.state == DeletionRequest.State.PENDING and not services.can_execute(user, req.user)
    ):
        raise NotFound("not_found", _("This deletion request does not exist."))
    if req.state != DeletionRequest.State.PENDING and not (
        req.executed_by_id == user.pk or services.can_execute(user, req.user)
    ):
        raise NotFound("not_found", _("This deletion request does not exist."))
    return services.deletion_execute(actor=user, request=req)

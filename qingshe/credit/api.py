"""API of credit: my hours ledger, my transcript as PDF, certificates (list, issue, PDF, revoke)
and the public verification of a certificate (no login).

Endpoints are thin: selectors scope (404 `not_found` outside the caller's view) and services
write; a service's own error (`no_hours`, `invalid_period`, `future_period`, `already_revoked`,
`reason_required`…) reaches the client as it is.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate as ninja_paginate

from qingshe.api import messages as m
from qingshe.api.errors import ApiError
from qingshe.api.pagination import PagePagination, paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound
from qingshe.credit import certificates, selectors, services, signing, transcript
from qingshe.credit.schemas import (
    CertificateIn,
    CertificateOut,
    LedgerEntryOut,
    RevokeIn,
    VerificationOut,
)

router = Router(tags=["credit"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "A PDF document.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- my hours -----------------------------------------------------------------------------------
class HoursPagination(PagePagination):
    class Output(PagePagination.Output):
        total_hours: Decimal = Field(
            ..., description="The sum of all the caller's entries (every page)."
        )

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | list[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["total_hours"] = services.hours_total(_user(request))
        return page


@router.get(
    "/me/hours",
    response={200: list[LedgerEntryOut], **error_responses(401, 422)},
    summary="My hours ledger",
    tags=["me"],
)
@ninja_paginate(HoursPagination)
def my_hours(request: HttpRequest) -> Any:
    """Every entry of the caller's hours ledger, newest first, each with its source (the
    attendance), the activity's texts, organiser, person in charge and confirmer; corrections
    appear as a reversal and a new entry. `total_hours` is the sum."""
    return selectors.entries_of(user=_user(request))


@router.get(
    "/me/transcript.pdf",
    response={200: None, **error_responses(401)},
    summary="My second-classroom transcript (第二课堂成绩单), PDF",
    tags=["me"],
    openapi_extra=PDF_RESPONSE,
)
def my_transcript_pdf(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return _pdf(
        transcript.transcript_pdf(transcript.transcript_of(user)),
        f"transcript-{user.volunteer_no}.pdf",
    )


# --- certificates -------------------------------------------------------------------------------
class CertificateFilter(Schema):
    person: int | None = Field(
        None, description="An admin's view of a person they look after (default: the caller)."
    )


def _person(request: HttpRequest, person_id: int | None) -> Any:
    user = _user(request)
    if person_id is None or person_id == user.pk:
        return user
    person = get_user_model().objects.filter(pk=person_id, is_active=True).first()
    if person is None or not services.may_administer(user, person):
        raise NotFound("not_found", m.NOT_FOUND, field="person")
    return person


@router.get(
    "/certificates",
    response={200: list[CertificateOut], **error_responses(401, 404, 422)},
    summary="Certificates of volunteer service (志愿服务证明)",
)
@paginate
def certificate_list(request: HttpRequest, filters: Query[CertificateFilter]) -> Any:
    """The caller's certificates, newest first (revoked ones too); with `person`, an admin's view
    of a person in their subtree (404 otherwise)."""
    return selectors.my_certificates(user=_person(request, filters.person))


@router.post(
    "/certificates",
    response={201: CertificateOut, **error_responses(401, 404, 422)},
    summary="Issue a certificate for a period",
)
def certificate_issue(request: HttpRequest, payload: CertificateIn) -> Any:
    """For the caller, or (`person`) by an admin for a person they look after. Signed with the
    platform's Ed25519 key. 422 `no_hours` when the period holds no confirmed hours,
    `invalid_period`, `future_period`, `period_too_long`; 404 `not_found` for a person outside
    the admin's subtree."""
    cert = services.certificate_issue(
        actor=_user(request),
        user=_person(request, payload.person),
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, cert)


@router.get(
    "/certificates/{code}.pdf",
    url_name="certificate_pdf",
    response={200: None, **error_responses(401, 404)},
    summary="A certificate as PDF",
    openapi_extra=PDF_RESPONSE,
)
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    cert = selectors.certificate_get_for_user(user=_user(request), code=code)
    site = request.build_absolute_uri("/").rstrip("/")
    return _pdf(certificates.certificate_pdf(cert, base_url=site), f"{cert.number}.pdf")


@router.post(
    "/certificates/{code}/revoke",
    response={200: CertificateOut, **error_responses(401, 404, 409, 422)},
    summary="Revoke a certificate",
)
def certificate_revoke(request: HttpRequest, code: str, payload: RevokeIn) -> Any:
    """For admins over the person (404 for anyone else, the person included). 409
    `already_revoked`; 422 `reason_required`."""
    cert = selectors.certificate_get_for_user(user=_user(request), code=code)
    return services.certificate_revoke(
        actor=_user(request), certificate=cert, reason=payload.reason
    )


@router.get(
    "/certificates/{code}/verify",
    auth=None,
    response={200: VerificationOut, **error_responses(404, 429)},
    summary="Verify a certificate (public, no login)",
)
def certificate_verify(request: HttpRequest, code: str) -> Any:
    """Whether a certificate with this code was issued by the platform and says exactly what
    is shown, and whether it was revoked. A code with a wrong character, or one never issued,
    is a 404 `not_found` with nothing else. A stored certificate whose content no longer
    matches its signature answers `tampered` without its content. At most 60 checks a minute
    per address (429 `throttled`)."""
    rate = settings.QINGSHE_RATE_LIMITS["certificate_verify"]
    if is_ratelimited(request, group="credit.verify", key="ip", rate=rate, increment=True):
        raise ApiError(429, "throttled", m.THROTTLED, retry_after=60)
    result = selectors.certificate_verify(code=code)
    if result.certificate is None:
        raise NotFound("not_found", result.message)
    cert = result.certificate
    key = signing.key_by_id(cert.key_id) if result.genuine else None
    return {
        "code": result.code,
        "verdict": result.verdict,
        "valid": result.valid,
        "genuine": result.genuine,
        "message": result.message,
        "revoked_at": cert.revoked_at if result.genuine else None,
        "statement": result.statement,
        "key_id": cert.key_id,
        "signature": cert.signature if result.genuine else "",
        "public_key": key.public_b64 if key else "",
    }


# Points, rewards, redemptions, venues, campaigns, partners and earning rules (issue 7).
from qingshe.credit.api_points import router as points_router  # noqa: E402

router.add_router("", points_router)

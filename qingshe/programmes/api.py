"""API: programme years, compliance, recruitment calls, branch applications and pairings.

Endpoints are thin: they find the objects named in the path or the body through the selectors
(which answer 404 `not_found` for anything outside the caller's view, exactly as for something
that does not exist), then call one service. A service's own error (`outside_window`,
`duplicate_pairing`, `invalid_term`, `reason_required`, `forbidden`, `invalid_state`, …) reaches
the client as it is, with its status and field.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from qingshe.api import messages as m
from qingshe.api.errors import ApiError
from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound
from qingshe.core.timeutil import parse_month
from qingshe.orgs import selectors as org_selectors
from qingshe.orgs.models import Organisation
from qingshe.programmes import selectors, services
from qingshe.programmes.models import Pairing
from qingshe.programmes.schemas import (
    ApplicationFilter,
    ApplicationIn,
    ApplicationOut,
    BranchSuggestionsOut,
    CallFilter,
    CallIn,
    CallOut,
    ComplianceOut,
    ComplianceQuery,
    ConfirmIn,
    PairingFilter,
    PairingIn,
    PairingOut,
    ProgrammeFilter,
    ProgrammeIn,
    ProgrammeOut,
    ReasonIn,
    ResubmitIn,
    ServiceIn,
    ServiceOut,
    SuggestionQuery,
)

router = Router(tags=["programmes"])

T = TypeVar("T")
PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The PDF document.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _named(field: str, get: Callable[[], T]) -> T:
    """Look up an object named in the body; a 404 says which field named it."""
    try:
        return get()
    except NotFound as exc:
        exc.field = field
        raise


def _visible_orgs(user: Any, ids: list[int], *, field: str) -> list[Organisation]:
    wanted = set(ids)
    orgs = list(org_selectors.org_list_for_user(user=user).filter(pk__in=wanted))
    if len(orgs) != len(wanted):
        raise NotFound("not_found", m.ORG_NOT_FOUND, field=field)
    return orgs


def _month(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    month = parse_month(value)
    if month is None:
        raise ApiError(422, "invalid_month", m.INVALID_MONTH, field="month")
    return month


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- programmes ---------------------------------------------------------------------------------
@router.get(
    "/programmes",
    response={200: list[ProgrammeOut], **error_responses(401, 422)},
    summary="Programme years the caller may see",
)
@paginate
def programme_list(request: HttpRequest, filters: Query[ProgrammeFilter]) -> Any:
    """Programmes whose committee or scope the caller belongs to; newest year first."""
    return selectors.programme_list_for_user(
        user=_user(request), year=filters.year
    ).prefetch_related("scope")


@router.post(
    "/programmes",
    response={201: ProgrammeOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Open a programme year",
)
def programme_create(request: HttpRequest, payload: ProgrammeIn) -> Any:
    """For the admins of a city or district league committee. `owner` and every organisation in
    `scope` must be visible to the caller (else 404 `not_found` with `field`). Errors of the
    service: 403 `forbidden`; 409 `duplicate_programme`; 422 `invalid_owner`, `name_required`,
    `invalid_year`, `scope_required`, `invalid_scope`, `invalid_deadlines`, `invalid_quota`,
    `invalid_minimum`."""
    user = _user(request)
    owner = _named("owner", lambda: org_selectors.org_get_for_user(user=user, org_id=payload.owner))
    scope = _visible_orgs(user, payload.scope, field="scope")
    data = payload.model_dump(exclude={"owner", "scope"})
    programme = services.programme_create(actor=user, owner=owner, scope=scope, **data)
    return Status(201, programme)


@router.get(
    "/programmes/{programme_id}",
    response={200: ProgrammeOut, **error_responses(401, 404, 422)},
    summary="One programme year",
)
def programme_detail(request: HttpRequest, programme_id: int) -> Any:
    return selectors.programme_get_for_user(user=_user(request), programme_id=programme_id)


@router.get(
    "/programmes/{programme_id}/compliance",
    response={200: ComplianceOut, **error_responses(401, 404, 422)},
    summary="Quota and deadline compliance by department",
)
def programme_compliance(
    request: HttpRequest, programme_id: int, query: Query[ComplianceQuery]
) -> Any:
    """Per department the caller may see: class branches and students taking part against the
    quota; then the pairings made after the pairing deadline, not started by the start deadline,
    and active pairings with fewer services in `month` than the minimum. `under` drills down to
    a district, university or department (404 if the caller cannot see it); a malformed `month`
    is 422 `invalid_month`."""
    user = _user(request)
    month = _month(query.month)
    programme = selectors.programme_get_for_user(user=user, programme_id=programme_id)
    under = None
    if query.under is not None:
        under = _named(
            "under", lambda: org_selectors.org_get_for_user(user=user, org_id=query.under)
        )
    result = selectors.compliance_for_user(
        user=user, programme=programme, under=under, month=month, include_districts=True
    )
    return {
        "programme": programme,
        "month": f"{result.month[0]:04d}-{result.month[1]:02d}",
        "under": under,
        "branch_quota_pct": programme.branch_quota_pct,
        "student_quota_pct": programme.student_quota_pct,
        "min_services_per_month": programme.min_services_per_month,
        "departments": result.departments,
        "late_pairings": result.late_pairings,
        "not_started": result.not_started,
        "low_frequency": result.low_frequency,
        "missing_cases": result.missing_cases,
        "districts": result.districts,
        "feedback_issues": result.feedback_issues,  # council (issue 8)
    }


# --- recruitment calls --------------------------------------------------------------------------
@router.get(
    "/calls",
    response={200: list[CallOut], **error_responses(401, 422)},
    summary="Recruitment calls",
    tags=["applications"],
)
@paginate
def call_list(request: HttpRequest, filters: Query[CallFilter]) -> Any:
    """The calls (公开招募) of the programmes the caller may see; latest first."""
    return selectors.call_list_for_user(user=_user(request), programme_id=filters.programme)


@router.post(
    "/calls",
    response={201: CallOut, **error_responses(401, 403, 404, 422)},
    summary="Open a recruitment call",
    tags=["applications"],
)
def call_create(request: HttpRequest, payload: CallIn) -> Any:
    """For the programme's league committee. 422 `title_required`, `invalid_window`."""
    user = _user(request)
    programme = _named(
        "programme",
        lambda: selectors.programme_get_for_user(user=user, programme_id=payload.programme),
    )
    call = services.call_open(
        actor=user,
        programme=programme,
        title=payload.title,
        criteria=payload.criteria,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
    )
    return Status(201, call)


# --- applications -------------------------------------------------------------------------------
@router.get(
    "/applications",
    response={200: list[ApplicationOut], **error_responses(401, 422)},
    summary="Branch applications",
    tags=["applications"],
)
@paginate
def application_list(request: HttpRequest, filters: Query[ApplicationFilter]) -> Any:
    """Applications of the branches under the caller (secretaries, department, university and
    committee admins). With `waiting=true`, only those waiting for the caller's step, oldest
    first."""
    return selectors.application_list_for_api(
        user=_user(request),
        state=filters.state or "",
        programme_id=filters.programme,
        waiting=filters.waiting,
    )


@router.post(
    "/applications",
    response={201: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Apply for a class branch (自愿报名)",
    tags=["applications"],
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    """By the branch's secretary (or its department admin), while the call is open. 422
    `outside_window`, `statement_too_short`, `invalid_branch`, `out_of_scope`; 409
    `duplicate_application`; 403 `forbidden`."""
    user = _user(request)
    call = _named("call", lambda: selectors.call_get_for_user(user=user, call_id=payload.call))
    branch = _named(
        "branch", lambda: org_selectors.org_get_for_user(user=user, org_id=payload.branch)
    )
    application = services.application_submit(
        actor=user,
        call=call,
        branch=branch,
        statement=payload.statement,
        excellent_branch=payload.excellent_branch,
        excellent_class=payload.excellent_class,
        excellent_cadre=payload.excellent_cadre,
        other_honours=payload.other_honours,
    )
    return Status(201, application)


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **error_responses(401, 404, 422)},
    summary="One application",
    tags=["applications"],
)
def application_detail(request: HttpRequest, application_id: int) -> Any:
    return selectors.application_get_for_user(user=_user(request), application_id=application_id)


def _application(request: HttpRequest, application_id: int) -> Any:
    return selectors.application_get_for_user(user=_user(request), application_id=application_id)


@router.post(
    "/applications/{application_id}/recommend",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Recommend an application (系团委推荐)",
    tags=["applications"],
)
def application_recommend(request: HttpRequest, application_id: int) -> Any:
    """By the department's league admins, on a submitted application; 409 `invalid_state` else."""
    application = _application(request, application_id)
    return services.application_recommend(actor=_user(request), application=application)


@router.post(
    "/applications/{application_id}/approve",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Review or confirm an application",
    tags=["applications"],
)
def application_approve(request: HttpRequest, application_id: int) -> Any:
    """The university's league admins review a recommended application (→ `reviewed`); the
    programme's league committee confirms a reviewed one (→ `confirmed`, 择优选拔)."""
    application = _application(request, application_id)
    return services.application_approve(actor=_user(request), application=application)


@router.post(
    "/applications/{application_id}/reject",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Return or reject an application, with a reason",
    tags=["applications"],
)
def application_reject(request: HttpRequest, application_id: int, payload: ReasonIn) -> Any:
    """The department returns a submitted application for changes (→ `returned`); the university
    or the committee rejects one further along (→ `rejected`). 422 `reason_required`."""
    application = _application(request, application_id)
    return services.application_reject(
        actor=_user(request), application=application, reason=payload.reason
    )


@router.post(
    "/applications/{application_id}/resubmit",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Resubmit a returned application",
    tags=["applications"],
)
def application_resubmit(request: HttpRequest, application_id: int, payload: ResubmitIn) -> Any:
    """By the branch's secretary while the call is open; honours left null are kept."""
    application = _application(request, application_id)
    honours = payload.model_dump(exclude={"statement"}, exclude_none=True)
    return services.application_resubmit(
        actor=_user(request), application=application, statement=payload.statement, **honours
    )


# --- pairings -----------------------------------------------------------------------------------
@router.get(
    "/pairings",
    response={200: list[PairingOut], **error_responses(401, 422)},
    summary="Pairings the caller may see",
    tags=["pairings"],
)
@paginate
def pairing_list(request: HttpRequest, filters: Query[PairingFilter]) -> Any:
    """Pairings where the caller belongs to either side, and all the pairings of programmes the
    caller's committee runs; newest first."""
    return selectors.pairing_list_for_user(
        user=_user(request), programme_id=filters.programme, state=filters.state or ""
    )


@router.post(
    "/pairings",
    response={201: PairingOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Propose a pairing (结对共建)",
    tags=["pairings"],
)
def pairing_create(request: HttpRequest, payload: PairingIn) -> Any:
    """By the admins or secretary over the university side, or the programme's committee. 409
    `duplicate_pairing` (a live pairing of the same two sides), `programme_closed`; 422
    `invalid_term`, `invalid_unit`, `invalid_community`, `out_of_scope`."""
    user = _user(request)
    programme = _named(
        "programme",
        lambda: selectors.programme_get_for_user(user=user, programme_id=payload.programme),
    )
    unit = _named("unit", lambda: org_selectors.org_get_for_user(user=user, org_id=payload.unit))
    community = selectors.pairing_community_for(programme=programme, community_id=payload.community)
    pairing = services.pairing_propose(
        actor=user,
        programme=programme,
        unit=unit,
        community=community,
        term_start=payload.term_start,
        term_end=payload.term_end,
        suggestion_reasons=payload.suggestion_reasons,
    )
    return Status(201, pairing)


# Declared before /pairings/{pairing_id} so that the fixed path is not taken for an ID.
@router.get(
    "/pairings/suggestions",
    response={200: list[BranchSuggestionsOut], **error_responses(401, 404, 422)},
    summary="Suggested communities for each unpaired branch",
    tags=["pairings"],
)
@paginate
def pairing_suggestions(request: HttpRequest, query: Query[SuggestionQuery]) -> Any:
    """For every class branch of the programme that the caller looks after and that has no
    pairing yet: communities ranked by distance from the campus (就近就便), fit of their open
    needs with the branch's majors and skills, and coverage (communities without a pairing
    first), each with the reasons in words."""
    from qingshe.programmes.suggestions import suggest_for_user

    user = _user(request)
    programme = _named(
        "programme",
        lambda: selectors.programme_get_for_user(user=user, programme_id=query.programme),
    )
    return list(suggest_for_user(user=user, programme=programme, limit_per_branch=query.limit))


def _pairing(request: HttpRequest, pairing_id: int) -> Pairing:
    return selectors.pairing_get_for_user(user=_user(request), pairing_id=pairing_id)


@router.get(
    "/pairings/{pairing_id}",
    response={200: PairingOut, **error_responses(401, 404, 422)},
    summary="One pairing",
    tags=["pairings"],
)
def pairing_detail(request: HttpRequest, pairing_id: int) -> Any:
    return _pairing(request, pairing_id)


@router.post(
    "/pairings/{pairing_id}/approve",
    response={200: PairingOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Approve a proposed pairing",
    tags=["pairings"],
)
def pairing_approve(request: HttpRequest, pairing_id: int) -> Any:
    """By the programme's league committee. The agreement and the appointment letter can then
    be downloaded, and both sides are asked to confirm the agreement."""
    return services.pairing_approve(actor=_user(request), pairing=_pairing(request, pairing_id))


@router.post(
    "/pairings/{pairing_id}/reject",
    response={200: PairingOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Reject a proposed pairing, with a reason",
    tags=["pairings"],
)
def pairing_reject(request: HttpRequest, pairing_id: int, payload: ReasonIn) -> Any:
    pairing = _pairing(request, pairing_id)
    return services.pairing_reject(actor=_user(request), pairing=pairing, reason=payload.reason)


@router.post(
    "/pairings/{pairing_id}/confirm",
    response={200: PairingOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Confirm the agreement for one side",
    tags=["pairings"],
)
def pairing_confirm(request: HttpRequest, pairing_id: int, payload: ConfirmIn) -> Any:
    """`unit`: the secretary or admins over the university side; `community`: the community's
    staff or league secretary. When both sides have confirmed, the pairing is `active`."""
    pairing = _pairing(request, pairing_id)
    return services.pairing_confirm(actor=_user(request), pairing=pairing, side=payload.side)


@router.post(
    "/pairings/{pairing_id}/services",
    response={201: ServiceOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Record a service held under an active pairing",
    tags=["pairings"],
)
def pairing_service_create(request: HttpRequest, pairing_id: int, payload: ServiceIn) -> Any:
    """By either side. 422 `future_date`, `outside_term`, `title_required`; 409 `invalid_state`
    when the pairing is not active."""
    pairing = _pairing(request, pairing_id)
    record = services.service_record(
        actor=_user(request),
        pairing=pairing,
        held_on=payload.held_on,
        title=payload.title,
        participants=payload.participants,
    )
    return Status(201, record)


@router.get(
    "/pairings/{pairing_id}/agreement.pdf",
    response={200: None, **error_responses(401, 404, 409, 422)},
    summary="The pairing agreement (结对共建协议书), PDF",
    tags=["pairings"],
    openapi_extra=PDF_RESPONSE,
)
def pairing_agreement_pdf(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """结对共建协议书 in Chinese, with who confirmed for each side and when. For an approved,
    active or ended pairing (409 `not_approved` before)."""
    from qingshe.programmes.documents import agreement_pdf

    pairing = _pairing(request, pairing_id)

    return _pdf(agreement_pdf(pairing), f"agreement-{pairing.pk}.pdf")


@router.get(
    "/pairings/{pairing_id}/appointment.pdf",
    response={200: None, **error_responses(401, 404, 409, 422)},
    summary="The secretary's appointment letter (聘书), PDF",
    tags=["pairings"],
    openapi_extra=PDF_RESPONSE,
)
def pairing_appointment_pdf(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """聘书 appointing the branch's secretary assistant to the community director for the term.
    For an approved, active or ended pairing (409 `not_approved` before; 409 `no_secretary` when
    the branch has no secretary)."""
    from qingshe.programmes.documents import appointment_letter_pdf

    pairing = _pairing(request, pairing_id)

    return _pdf(appointment_letter_pdf(pairing), f"appointment-{pairing.pk}.pdf")


# The transcript counting rules' endpoints register themselves on this router.
from qingshe.programmes import api_transcript_rules  # noqa: E402, F401

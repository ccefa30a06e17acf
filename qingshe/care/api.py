"""API of the care app: beneficiaries, help relationships and their visits.

Visibility is that of care.visibility (through qingshe.core.access): a beneficiary or
relationship outside it answers 404 `not_found`, as one that does not exist. Lists hold masked
records and every read is audited; the sensitive fields come only from `POST
/beneficiaries/{id}/reveal` with a reason (audited with who, when and why). League and university
admins get de-identified counts from `GET /care/stats`.
"""

# No `from __future__ import annotations` here: ninja resolves the schemas at runtime.
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.care import selectors, services
from qingshe.care.models import Visit
from qingshe.care.schemas import (
    BeneficiaryIn,
    BeneficiaryOut,
    DetailsOut,
    RejectIn,
    RelationshipIn,
    RelationshipOut,
    RevealIn,
    StatsOut,
    VisitIn,
    VisitOut,
)
from qingshe.care.services import ConsentIn
from qingshe.core.errors import NotFound
from qingshe.orgs.models import Organisation

router = Router(tags=["care"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _people(numbers: list[str], field: str) -> list[Any]:
    return selectors.people_by_volunteer_no(numbers, field=field)


def _org(org_id: int | None, field: str) -> Organisation | None:
    return selectors.org_by_id(org_id, field=field)


@router.get(
    "/beneficiaries",
    response={200: list[BeneficiaryOut], **error_responses(401, 422)},
    summary="Beneficiaries the caller may see (masked)",
)
@paginate
def beneficiary_list(request: HttpRequest, kind: str = "") -> Any:
    """Assigned helpers, supervisors and the community's care role see the beneficiaries they
    help or oversee; everybody else an empty list. Each page read is audited."""
    items = list(selectors.beneficiary_list_for_user(user=_user(request), kind=kind)[:1000])
    return _AuditedPage(items, _user(request))


class _AuditedPage(list):  # type: ignore[type-arg]
    """A list whose sliced page is audited as read (only the rows actually returned)."""

    def __init__(self, items: list[Any], user: Any) -> None:
        super().__init__(items)
        self.user = user

    def __getitem__(self, index: Any) -> Any:
        got = super().__getitem__(index)
        if isinstance(index, slice):
            selectors.audit_list_read(user=self.user, beneficiaries=got, why="api.list")
            return [BeneficiaryOut.from_model(b) for b in got]
        return got


@router.post(
    "/beneficiaries",
    response={201: BeneficiaryOut, **error_responses(401, 403, 409, 422)},
    summary="Record a beneficiary with the consent on file",
)
def beneficiary_create(request: HttpRequest, payload: BeneficiaryIn) -> Any:
    community = _org(payload.community, "community")
    consent = (
        ConsentIn(
            given_by=payload.consent_given_by,
            given_on=payload.consent_given_on,
            guardian_relation=payload.consent_guardian_relation,
        )
        if payload.consent_given_by
        else None
    )
    beneficiary = services.beneficiary_create(
        actor=_user(request),
        community=community,  # type: ignore[arg-type]
        kind=payload.kind,
        name=payload.name,
        birth_date=payload.birth_date,
        consent=consent,
        id_number=payload.id_number,
        phone=payload.phone,
        address=payload.address,
        guardian_name=payload.guardian_name,
        guardian_phone=payload.guardian_phone,
        needs=payload.needs,
        lives_alone=payload.lives_alone,
    )
    return Status(201, BeneficiaryOut.from_model(beneficiary))


@router.get(
    "/beneficiaries/{beneficiary_id}",
    response={200: BeneficiaryOut, **error_responses(401, 404)},
    summary="One beneficiary (masked); the read is audited",
)
def beneficiary_detail(request: HttpRequest, beneficiary_id: int) -> Any:
    b = selectors.beneficiary_get_for_user(
        user=_user(request), beneficiary_id=beneficiary_id, why="api.detail"
    )
    return BeneficiaryOut.from_model(b)


@router.post(
    "/beneficiaries/{beneficiary_id}/reveal",
    response={200: DetailsOut, **error_responses(401, 404, 422)},
    summary="The sensitive fields, with a reason (audited)",
)
def beneficiary_reveal(request: HttpRequest, beneficiary_id: int, payload: RevealIn) -> Any:
    b = selectors.beneficiary_get_for_user(
        user=_user(request), beneficiary_id=beneficiary_id, why="api.reveal"
    )
    return services.beneficiary_reveal(actor=_user(request), beneficiary=b, reason=payload.reason)


def _relationship_out(r: Any) -> dict[str, Any]:
    return RelationshipOut.from_model(r, selectors.current_helpers(r))


@router.get(
    "/help-relationships",
    response={200: list[RelationshipOut], **error_responses(401, 422)},
    summary="Help relationships the caller may see",
)
@paginate
def relationship_list(request: HttpRequest, status: str = "") -> Any:
    qs = selectors.relationships_for_user(user=_user(request))
    if status:
        qs = qs.filter(status=status)
    return _Mapped(list(qs[:1000]), _relationship_out)


class _Mapped(list):  # type: ignore[type-arg]
    def __init__(self, items: list[Any], fn: Any) -> None:
        super().__init__(items)
        self.fn = fn

    def __getitem__(self, index: Any) -> Any:
        got = super().__getitem__(index)
        return [self.fn(x) for x in got] if isinstance(index, slice) else got


@router.post(
    "/help-relationships",
    response={201: RelationshipOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Arrange help for a beneficiary",
)
def relationship_create(request: HttpRequest, payload: RelationshipIn) -> Any:
    user = _user(request)
    beneficiary = selectors.beneficiary_get_for_user(
        user=user, beneficiary_id=payload.beneficiary, why="api.relationship_create"
    )
    relationship = services.relationship_create(
        actor=user,
        beneficiary=beneficiary,
        mode=payload.mode,
        helpers=_people(payload.helpers, "helpers"),
        team=_org(payload.team, "team"),
        subject=payload.subject,
        term_start=payload.term_start,
        term_end=payload.term_end,
        goals=payload.goals,
        supervisor=_people([payload.supervisor], "supervisor")[0] if payload.supervisor else None,
    )
    relationship = selectors.relationship_get_for_user(user=user, relationship_id=relationship.pk)
    return Status(201, _relationship_out(relationship))


@router.get(
    "/help-relationships/{relationship_id}/visits",
    response={200: list[VisitOut], **error_responses(401, 404)},
    summary="Visits of a relationship",
)
@paginate
def visit_list(request: HttpRequest, relationship_id: int) -> Any:
    r = selectors.relationship_get_for_user(
        user=_user(request), relationship_id=relationship_id, why="api.visits"
    )
    return _Mapped(
        list(selectors.visits_of(relationship=r).select_related("attendance")[:1000]),
        VisitOut.from_model,
    )


@router.post(
    "/help-relationships/{relationship_id}/visits",
    response={201: VisitOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Log a visit or session (assigned helper)",
)
def visit_log(request: HttpRequest, relationship_id: int, payload: VisitIn) -> Any:
    user = _user(request)
    r = selectors.relationship_get_for_user(user=user, relationship_id=relationship_id)
    visit = services.visit_log(
        actor=user,
        relationship=r,
        started_at=payload.started_at,
        minutes=payload.minutes,
        done=payload.done,
        observations=payload.observations,
        concern=payload.concern,
        concern_priority=payload.concern_priority,
    )
    return Status(201, VisitOut.from_model(visit))


def _visit(request: HttpRequest, visit_id: int) -> Visit:
    try:
        return selectors.visit_get_for_user(user=_user(request), visit_id=visit_id)
    except NotFound:
        raise NotFound("not_found", _("No such visit.")) from None


@router.post(
    "/visits/{visit_id}/confirm",
    response={200: VisitOut, **error_responses(401, 403, 404, 409)},
    summary="The supervisor confirms a visit: its hours are credited",
)
def visit_confirm(request: HttpRequest, visit_id: int) -> Any:
    visit = services.visit_confirm(actor=_user(request), visit=_visit(request, visit_id))
    return VisitOut.from_model(
        Visit.objects.select_related("helper", "attendance").get(pk=visit.pk)
    )


@router.post(
    "/visits/{visit_id}/reject",
    response={200: VisitOut, **error_responses(401, 403, 404, 409, 422)},
    summary="The supervisor does not confirm a visit",
)
def visit_reject(request: HttpRequest, visit_id: int, payload: RejectIn) -> Any:
    visit = services.visit_reject(
        actor=_user(request), visit=_visit(request, visit_id), reason=payload.reason
    )
    return VisitOut.from_model(visit)


@router.get(
    "/care/stats",
    response={200: StatsOut, **error_responses(401, 404)},
    summary="De-identified counts: helped, by kind, hours given",
)
def care_stats(request: HttpRequest) -> Any:
    stats = selectors.stats_for_user(user=_user(request))
    if stats is None:
        raise NotFound("not_found", _("Not found."))
    return stats

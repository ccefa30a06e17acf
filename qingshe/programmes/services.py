"""Every write of programmes, recruitment and pairings: permission, validation, write, audit,
then a notification to whoever acts next."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.core.timeutil import local_text
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import (
    BranchApplication,
    Pairing,
    Programme,
    RecruitmentCall,
    ServiceRecord,
)

UNIT_KINDS = {OrgKind.CLASS_BRANCH, OrgKind.DEPARTMENT_COMMITTEE, OrgKind.VOLUNTEER_TEAM}
COMMUNITY_KINDS = {OrgKind.COMMUNITY, OrgKind.STREET}
OWNER_KINDS = {OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE}


def _deny(message: str) -> AccessDenied:
    return AccessDenied("forbidden", message)


def _require(actor: Any, action: str, org: Organisation, message: str) -> None:
    if not access.can(actor, action, org):
        raise _deny(message)


def in_programme_scope(programme: Programme, org: Organisation) -> bool:
    return any(org.is_within(s) for s in programme.scope.all())


# --- programme ----------------------------------------------------------------------------------
@transaction.atomic
def programme_create(
    *,
    actor: Any,
    owner: Organisation,
    name: str,
    year: int,
    scope: list[Organisation],
    pairing_deadline: date,
    start_deadline: date,
    case_deadline: date,
    branch_quota_pct: Decimal | int = Decimal("25"),
    student_quota_pct: Decimal | int = Decimal("25"),
    min_regular_semesters: int = 1,
    min_concentrated_months: int = 1,
    min_services_per_month: int = 2,
    cases_per_department: int = 3,
    reminder_days: int = 7,
) -> Programme:
    if owner.kind not in OWNER_KINDS:
        raise ValidationFailed(
            "invalid_owner",
            _("A programme is opened by a city or district league committee."),
            field="owner",
        )
    _require(
        actor,
        "programme.manage",
        owner,
        _("Only this league committee's admins can open its programme."),
    )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "name_required", _("Please enter the programme's name."), field="name"
        )
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed("invalid_year", _("Enter a year such as 2026."), field="year")
    if not scope:
        raise ValidationFailed(
            "scope_required", _("Choose at least one organisation in scope."), field="scope"
        )
    foreign = [o.name for o in scope if o.city_id != owner.city_id]
    if foreign:
        raise ValidationFailed(
            "invalid_scope",
            _("These organisations belong to another city: %s") % "、".join(foreign),
            field="scope",
        )
    if start_deadline < pairing_deadline:
        raise ValidationFailed(
            "invalid_deadlines",
            _("The start deadline cannot be before the pairing deadline."),
            field="start_deadline",
        )
    for label, pct in (
        ("branch_quota_pct", branch_quota_pct),
        ("student_quota_pct", student_quota_pct),
    ):
        if not 0 <= Decimal(str(pct)) <= 100:
            raise ValidationFailed(
                "invalid_quota", _("A quota is a percentage from 0 to 100."), field=label
            )
    if min_services_per_month < 1 or cases_per_department < 0:
        raise ValidationFailed(
            "invalid_minimum",
            _("At least one service a month is required."),
            field="min_services_per_month",
        )
    if Programme.objects.filter(owner=owner, year=year, name=name).exists():
        raise Conflict(
            "duplicate_programme",
            _("This committee already has a programme of that name this year."),
            field="name",
        )
    programme = Programme.objects.create(
        owner=owner,
        name=name,
        year=year,
        pairing_deadline=pairing_deadline,
        start_deadline=start_deadline,
        case_deadline=case_deadline,
        branch_quota_pct=Decimal(str(branch_quota_pct)),
        student_quota_pct=Decimal(str(student_quota_pct)),
        min_regular_semesters=min_regular_semesters,
        min_concentrated_months=min_concentrated_months,
        min_services_per_month=min_services_per_month,
        cases_per_department=cases_per_department,
        reminder_days=reminder_days,
    )
    programme.scope.set(scope)
    audit(actor=actor, action="programme.create", obj=programme, org=owner, data={"year": year})
    return programme


@transaction.atomic
def call_open(
    *,
    actor: Any,
    programme: Programme,
    title: str,
    criteria: str,
    opens_at: datetime,
    closes_at: datetime,
) -> RecruitmentCall:
    _require(
        actor,
        "programme.manage",
        programme.owner,
        _("Only the programme's league committee can open a call."),
    )
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please enter a title."), field="title")
    if closes_at <= opens_at:
        raise ValidationFailed(
            "invalid_window", _("The call must close after it opens."), field="closes_at"
        )
    call = RecruitmentCall.objects.create(
        programme=programme,
        title=title,
        criteria=criteria.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
    )
    audit(actor=actor, action="call.open", obj=call, org=programme.owner)
    return call


# --- applications -------------------------------------------------------------------------------
def _application_url(application: BranchApplication) -> str:
    return f"/programmes/applications/{application.pk}/"


def _check_window(call: RecruitmentCall, now: datetime) -> None:
    if not call.opens_at <= now <= call.closes_at:
        raise ValidationFailed(
            "outside_window",
            _("Applications to this call are accepted from %(start)s to %(end)s.")
            % {
                "start": local_text(call.opens_at),
                "end": local_text(call.closes_at),
            },
        )


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    call: RecruitmentCall,
    branch: Organisation,
    statement: str,
    excellent_branch: bool = False,
    excellent_class: bool = False,
    excellent_cadre: bool = False,
    other_honours: str = "",
    now: datetime | None = None,
) -> BranchApplication:
    """自愿报名: a class branch applies to a call."""
    if branch.kind != OrgKind.CLASS_BRANCH:
        raise ValidationFailed(
            "invalid_branch", _("Only a class league branch can apply."), field="branch"
        )
    _require(
        actor, "application.submit", branch, _("Only the branch's secretary can apply for it.")
    )
    if not in_programme_scope(call.programme, branch):
        raise ValidationFailed(
            "out_of_scope", _("This branch is not in the programme's scope."), field="branch"
        )
    _check_window(call, now or timezone.now())
    statement = (statement or "").strip()
    if len(statement) < 20:
        raise ValidationFailed(
            "statement_too_short",
            _("Write at least 20 characters on why the branch should take part."),
            field="statement",
        )
    if BranchApplication.objects.filter(call=call, branch=branch).exists():
        raise Conflict(
            "duplicate_application",
            _("This branch has already applied to this call."),
            field="branch",
        )
    try:
        with transaction.atomic():
            application = BranchApplication.objects.create(
                call=call,
                branch=branch,
                statement=statement,
                excellent_branch=excellent_branch,
                excellent_class=excellent_class,
                excellent_cadre=excellent_cadre,
                other_honours=other_honours.strip(),
                submitted_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            "duplicate_application", _("This branch has already applied to this call.")
        ) from exc
    audit(actor=actor, action="application.submit", obj=application, org=branch)
    notify(
        users=access.holders_over(branch, [Role.DEPARTMENT_ADMIN]),
        kind="application.to_recommend",
        title=lambda: (
            _("%(branch)s applied to %(call)s: please recommend or return it")
            % {"branch": branch.name, "call": call.title}
        ),
        url=_application_url(application),
    )
    return application


def _locked(application: BranchApplication) -> BranchApplication:
    """Re-read the application under a row lock so two reviewers cannot both move it."""
    return (
        BranchApplication.objects.select_for_update()
        .select_related("call__programme__owner", "branch")
        .get(pk=application.pk)
    )


def _wrong_state(application: BranchApplication) -> Conflict:
    return Conflict(
        "invalid_state",
        _("This application is %(state)s; that step is not possible now.")
        % {"state": application.get_state_display()},
    )


@transaction.atomic
def application_recommend(*, actor: Any, application: BranchApplication) -> BranchApplication:
    """系团委推荐."""
    application = _locked(application)
    _require(
        actor,
        "application.recommend",
        application.branch,
        _("Only the department's league admins can recommend."),
    )
    if application.state != BranchApplication.State.SUBMITTED:
        raise _wrong_state(application)
    application.state = BranchApplication.State.RECOMMENDED
    application.last_reason = ""
    application.save(update_fields=["state", "last_reason", "updated_at"])
    audit(actor=actor, action="application.recommend", obj=application, org=application.branch)
    notify(
        users=access.holders_over(application.branch, [Role.UNIVERSITY_ADMIN]),
        kind="application.to_review",
        title=lambda: (
            _("%(branch)s was recommended: please review it") % {"branch": application.branch.name}
        ),
        url=_application_url(application),
    )
    return application


@transaction.atomic
def application_approve(*, actor: Any, application: BranchApplication) -> BranchApplication:
    """学校团委审核 (recommended → reviewed), then 团委确定 (reviewed → confirmed)."""
    application = _locked(application)
    programme = application.call.programme
    if application.state == BranchApplication.State.RECOMMENDED:
        _require(
            actor,
            "application.review",
            application.branch,
            _("Only the university's league admins can review."),
        )
        application.state = BranchApplication.State.REVIEWED
        next_users = access.holders_over(programme.owner, [Role.LEAGUE_ADMIN])
        next_title = lambda: (  # noqa: E731
            _("%(branch)s passed the university's review: please confirm it")
            % {"branch": application.branch.name}
        )
    elif application.state == BranchApplication.State.REVIEWED:
        _require(
            actor,
            "programme.manage",
            programme.owner,
            _("Only the programme's league committee can confirm."),
        )
        application.state = BranchApplication.State.CONFIRMED
        next_users = access.holders_over(
            application.branch, [Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN]
        )
        next_title = lambda: (  # noqa: E731
            _("%(branch)s was selected for %(programme)s")
            % {
                "branch": application.branch.name,
                "programme": programme.name,
            }
        )
    else:
        raise _wrong_state(application)
    application.last_reason = ""
    application.save(update_fields=["state", "last_reason", "updated_at"])
    audit(
        actor=actor,
        action=f"application.{application.state}",
        obj=application,
        org=application.branch,
    )
    notify(
        users=next_users,
        kind=f"application.{application.state}",
        title=next_title,
        url=_application_url(application),
    )
    return application


@transaction.atomic
def application_reject(
    *, actor: Any, application: BranchApplication, reason: str
) -> BranchApplication:
    """The department returns a submitted application for changes; the university or the committee
    rejects one further along. A reason is always given."""
    application = _locked(application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    state = application.state
    if state == BranchApplication.State.SUBMITTED:
        _require(
            actor,
            "application.recommend",
            application.branch,
            _("Only the department's league admins can return it."),
        )
        application.state = BranchApplication.State.RETURNED
    elif state == BranchApplication.State.RECOMMENDED:
        _require(
            actor,
            "application.review",
            application.branch,
            _("Only the university's league admins can reject it now."),
        )
        application.state = BranchApplication.State.REJECTED
    elif state == BranchApplication.State.REVIEWED:
        _require(
            actor,
            "programme.manage",
            application.call.programme.owner,
            _("Only the programme's league committee can reject it now."),
        )
        application.state = BranchApplication.State.REJECTED
    else:
        raise _wrong_state(application)
    application.last_reason = reason
    application.save(update_fields=["state", "last_reason", "updated_at"])
    audit(
        actor=actor,
        action=f"application.{application.state}",
        obj=application,
        org=application.branch,
        data={"reason": reason[:200]},
    )
    notify(
        users=access.holders_over(application.branch, [Role.BRANCH_SECRETARY]),
        kind=f"application.{application.state}",
        title=lambda: (
            _("Your application was returned for changes")
            if application.state == BranchApplication.State.RETURNED
            else _("Your application was not selected")
        ),
        body=reason,
        url=_application_url(application),
    )
    return application


@transaction.atomic
def application_resubmit(
    *,
    actor: Any,
    application: BranchApplication,
    statement: str,
    now: datetime | None = None,
    **honours: Any,
) -> BranchApplication:
    application = _locked(application)
    _require(
        actor,
        "application.submit",
        application.branch,
        _("Only the branch's secretary can resubmit."),
    )
    if application.state != BranchApplication.State.RETURNED:
        raise _wrong_state(application)
    _check_window(application.call, now or timezone.now())
    statement = (statement or "").strip()
    if len(statement) < 20:
        raise ValidationFailed(
            "statement_too_short",
            _("Write at least 20 characters on why the branch should take part."),
            field="statement",
        )
    application.statement = statement
    for key in ("excellent_branch", "excellent_class", "excellent_cadre", "other_honours"):
        if key in honours:
            setattr(application, key, honours[key])
    application.state = BranchApplication.State.SUBMITTED
    application.save()
    audit(actor=actor, action="application.resubmit", obj=application, org=application.branch)
    notify(
        users=access.holders_over(application.branch, [Role.DEPARTMENT_ADMIN]),
        kind="application.to_recommend",
        title=lambda: (
            _("%(branch)s resubmitted its application") % {"branch": application.branch.name}
        ),
        url=_application_url(application),
    )
    return application


# --- pairings -----------------------------------------------------------------------------------
def _pairing_url(pairing: Pairing) -> str:
    return f"/programmes/pairings/{pairing.pk}/"


@transaction.atomic
def pairing_propose(
    *,
    actor: Any,
    programme: Programme,
    unit: Organisation,
    community: Organisation,
    term_start: date,
    term_end: date,
    suggestion_reasons: list[str] | None = None,
) -> Pairing:
    if unit.kind not in UNIT_KINDS:
        raise ValidationFailed(
            "invalid_unit",
            _("The university side is a class branch, a department or a volunteer team."),
            field="unit",
        )
    if community.kind not in COMMUNITY_KINDS:
        raise ValidationFailed(
            "invalid_community",
            _("The community side is a community or a street."),
            field="community",
        )
    if not (
        access.can(actor, "pairing.propose", unit)
        or access.can(actor, "programme.manage", programme.owner)
    ):
        raise _deny(_("You may not propose pairings for this unit."))
    if programme.state != Programme.State.OPEN:
        raise Conflict("programme_closed", _("This programme is not open."))
    if not in_programme_scope(programme, unit):
        raise ValidationFailed(
            "out_of_scope", _("This unit is not in the programme's scope."), field="unit"
        )
    if community.city_id != programme.owner.city_id:
        raise ValidationFailed(
            "out_of_scope", _("This community is in another city."), field="community"
        )
    if term_end < term_start:
        raise ValidationFailed(
            "invalid_term", _("The term ends before it starts."), field="term_end"
        )
    live = Pairing.objects.filter(
        programme=programme, unit=unit, community=community, state__in=Pairing.LIVE_STATES
    )
    if live.exists():
        raise Conflict(
            "duplicate_pairing",
            _("These two already have a pairing in this programme."),
            field="community",
        )
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                programme=programme,
                unit=unit,
                community=community,
                term_start=term_start,
                term_end=term_end,
                proposed_by=actor,
                suggestion_reasons=list(suggestion_reasons or []),
            )
    except IntegrityError as exc:
        raise Conflict(
            "duplicate_pairing", _("These two already have a pairing in this programme.")
        ) from exc
    audit(
        actor=actor,
        action="pairing.propose",
        obj=pairing,
        org=unit,
        data={"community": community.pk},
    )
    notify(
        users=access.holders_over(programme.owner, [Role.LEAGUE_ADMIN]),
        kind="pairing.to_approve",
        title=lambda: (
            _("Pairing proposed: %(unit)s with %(community)s")
            % {"unit": unit.name, "community": community.name}
        ),
        url=_pairing_url(pairing),
    )
    return pairing


def _locked_pairing(pairing: Pairing) -> Pairing:
    return (
        Pairing.objects.select_for_update()
        .select_related("programme__owner", "unit", "community")
        .get(pk=pairing.pk)
    )


def _pairing_wrong_state(pairing: Pairing) -> Conflict:
    return Conflict(
        "invalid_state",
        _("This pairing is %(state)s; that step is not possible now.")
        % {"state": pairing.get_state_display()},
    )


@transaction.atomic
def pairing_approve(*, actor: Any, pairing: Pairing) -> Pairing:
    pairing = _locked_pairing(pairing)
    _require(
        actor,
        "programme.manage",
        pairing.programme.owner,
        _("Only the programme's league committee can approve pairings."),
    )
    if pairing.state != Pairing.State.PROPOSED:
        raise _pairing_wrong_state(pairing)
    pairing.state = Pairing.State.APPROVED
    pairing.approved_by, pairing.approved_at = actor, timezone.now()
    pairing.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
    audit(actor=actor, action="pairing.approve", obj=pairing, org=pairing.unit)
    notify(
        users=[
            *access.holders_over(pairing.unit, [Role.BRANCH_SECRETARY]),
            *access.holders_over(
                pairing.community, [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY]
            ),
        ],
        kind="pairing.to_confirm",
        title=lambda: (
            _("Pairing approved: please confirm the agreement between %(unit)s and %(community)s")
            % {"unit": pairing.unit.name, "community": pairing.community.name}
        ),
        url=_pairing_url(pairing),
    )
    return pairing


@transaction.atomic
def pairing_reject(*, actor: Any, pairing: Pairing, reason: str) -> Pairing:
    pairing = _locked_pairing(pairing)
    _require(
        actor,
        "programme.manage",
        pairing.programme.owner,
        _("Only the programme's league committee can reject pairings."),
    )
    if pairing.state != Pairing.State.PROPOSED:
        raise _pairing_wrong_state(pairing)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    pairing.state, pairing.reason = Pairing.State.REJECTED, reason
    pairing.save(update_fields=["state", "reason", "updated_at"])
    audit(
        actor=actor,
        action="pairing.reject",
        obj=pairing,
        org=pairing.unit,
        data={"reason": reason[:200]},
    )
    notify(
        users=access.holders_over(pairing.unit, [Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN]),
        kind="pairing.rejected",
        title=lambda: (
            _("Pairing with %(community)s was not approved") % {"community": pairing.community.name}
        ),
        body=reason,
        url=_pairing_url(pairing),
    )
    return pairing


@transaction.atomic
def pairing_confirm(*, actor: Any, pairing: Pairing, side: str) -> Pairing:
    """Each side confirms the agreement in the system (the digital signature of 协议书); when both
    have, the pairing is active."""
    pairing = _locked_pairing(pairing)
    if pairing.state != Pairing.State.APPROVED:
        raise _pairing_wrong_state(pairing)
    now = timezone.now()
    if side == "unit":
        _require(
            actor,
            "pairing.confirm_unit",
            pairing.unit,
            _("Only the university side can confirm for it."),
        )
        if pairing.unit_confirmed_at:
            return pairing
        pairing.unit_confirmed_by, pairing.unit_confirmed_at = actor, now
    elif side == "community":
        _require(
            actor,
            "pairing.confirm_community",
            pairing.community,
            _("Only the community side can confirm for it."),
        )
        if pairing.community_confirmed_at:
            return pairing
        pairing.community_confirmed_by, pairing.community_confirmed_at = actor, now
    else:
        raise ValidationFailed(
            "invalid_side",
            _("The side is either the university side or the community side."),
            field="side",
        )
    if pairing.agreement_confirmed:
        pairing.state, pairing.started_at = Pairing.State.ACTIVE, now
    pairing.save()
    audit(
        actor=actor,
        action=f"pairing.confirm_{side}",
        obj=pairing,
        org=pairing.unit,
        data={"active": pairing.state == Pairing.State.ACTIVE},
    )
    return pairing


@transaction.atomic
def pairing_end(*, actor: Any, pairing: Pairing, reason: str = "") -> Pairing:
    pairing = _locked_pairing(pairing)
    _require(
        actor,
        "programme.manage",
        pairing.programme.owner,
        _("Only the programme's league committee can end a pairing."),
    )
    if pairing.state not in (Pairing.State.APPROVED, Pairing.State.ACTIVE):
        raise _pairing_wrong_state(pairing)
    pairing.state, pairing.ended_at, pairing.reason = (
        Pairing.State.ENDED,
        timezone.now(),
        reason.strip(),
    )
    pairing.save(update_fields=["state", "ended_at", "reason", "updated_at"])
    audit(actor=actor, action="pairing.end", obj=pairing, org=pairing.unit)
    return pairing


@transaction.atomic
def service_record(
    *, actor: Any, pairing: Pairing, held_on: date, title: str, participants: int = 0
) -> ServiceRecord:
    if not (
        access.can(actor, "pairing.record_service", pairing.unit)
        or access.can(actor, "pairing.record_service", pairing.community)
    ):
        raise _deny(_("Only the two sides of the pairing can record its services."))
    if pairing.state != Pairing.State.ACTIVE:
        raise _pairing_wrong_state(pairing)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Say what was done."), field="title")
    if held_on > timezone.localdate():
        raise ValidationFailed(
            "future_date", _("A service cannot be recorded before it is held."), field="held_on"
        )
    if not pairing.term_start <= held_on <= pairing.term_end:
        raise ValidationFailed(
            "outside_term", _("The date is outside the pairing's term."), field="held_on"
        )
    if participants < 0 or participants > 10000:
        raise ValidationFailed(
            "invalid_participants", _("Enter the number of participants."), field="participants"
        )
    record = ServiceRecord.objects.create(
        pairing=pairing, held_on=held_on, title=title, participants=participants, recorded_by=actor
    )
    audit(actor=actor, action="pairing.service_record", obj=record, org=pairing.unit)
    return record

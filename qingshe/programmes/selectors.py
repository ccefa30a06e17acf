"""Reads of programmes, applications and pairings that depend on who asks, and compliance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.core.timeutil import after_day, month_bounds
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.programmes.models import (
    BranchApplication,
    Pairing,
    Programme,
    RecruitmentCall,
    ServiceRecord,
)

COUNTED_PAIRING_STATES = (Pairing.State.APPROVED, Pairing.State.ACTIVE, Pairing.State.ENDED)


# --- programmes ---------------------------------------------------------------------------------
def _programme_visible_q(user: Any) -> Q:
    """A programme is visible to anyone whose units lie in its scope, and to its committee."""
    if access.is_platform_staff(user):
        return Q()
    grants = access.grants(user)
    if not grants:
        return Q(pk__in=[])
    q = Q()
    for g in grants:
        ancestors = [int(p) for p in g.path.strip("/").split("/") if p]
        # the owner is the unit or above it; or a scope org is the unit, above it, or below it
        q |= Q(owner_id__in=ancestors) | Q(scope__id__in=ancestors) | Q(scope__path__startswith=g.path)
    return q


def programme_list_for_user(*, user: Any, year: int | None = None) -> QuerySet[Programme]:
    qs = Programme.objects.filter(_programme_visible_q(user)).distinct().select_related("owner")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "name")


def programme_get_for_user(*, user: Any, programme_id: int) -> Programme:
    programme = programme_list_for_user(user=user).filter(pk=programme_id).first()
    if programme is None:
        raise NotFound("not_found", _("No such programme."))
    return programme


def call_open_now(*, programme: Programme) -> RecruitmentCall | None:
    now = timezone.now()
    return programme.calls.filter(opens_at__lte=now, closes_at__gte=now).order_by("closes_at").first()


# --- applications -------------------------------------------------------------------------------
def application_list_for_user(*, user: Any, state: str = "", programme_id: int | None = None) -> QuerySet[BranchApplication]:
    roles = {Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN, Role.UNIVERSITY_ADMIN, Role.LEAGUE_ADMIN}
    qs = BranchApplication.objects.filter(access.subtree_q(user, roles, prefix="branch__")).select_related(
        "branch", "call__programme"
    )
    if state:
        qs = qs.filter(state=state)
    if programme_id:
        qs = qs.filter(call__programme_id=programme_id)
    return qs.order_by("-created_at", "-pk")


def application_get_for_user(*, user: Any, application_id: int) -> BranchApplication:
    application = application_list_for_user(user=user).filter(pk=application_id).first()
    if application is None:
        raise NotFound("not_found", _("No such application."))
    return application


def applications_waiting_for(*, user: Any) -> QuerySet[BranchApplication]:
    """What waits for this person's decision."""
    State = BranchApplication.State
    q = Q(pk__in=[])
    dept = access.subtree_q(user, [Role.DEPARTMENT_ADMIN], prefix="branch__")
    uni = access.subtree_q(user, [Role.UNIVERSITY_ADMIN], prefix="branch__")
    owner_ids = [g.org_id for g in access.grants(user) if g.role == Role.LEAGUE_ADMIN]
    if access.has_role(user, [Role.DEPARTMENT_ADMIN]):
        q |= dept & Q(state=State.SUBMITTED)
    if access.has_role(user, [Role.UNIVERSITY_ADMIN]):
        q |= uni & Q(state=State.RECOMMENDED)
    if owner_ids:
        q |= Q(call__programme__owner_id__in=owner_ids, state=State.REVIEWED)
    if access.has_role(user, [Role.BRANCH_SECRETARY]):
        q |= access.subtree_q(user, [Role.BRANCH_SECRETARY], prefix="branch__") & Q(state=State.RETURNED)
    return BranchApplication.objects.filter(q).select_related("branch", "call").order_by("created_at")


# --- pairings -----------------------------------------------------------------------------------
def pairing_list_for_user(*, user: Any, programme_id: int | None = None, state: str = "") -> QuerySet[Pairing]:
    """Either side's people see a pairing; the programme's committee sees all of its pairings."""
    owner_ids = [g.org_id for g in access.grants(user) if g.role == Role.LEAGUE_ADMIN]
    every_role = list(Role.values)
    q = access.subtree_q(user, every_role, prefix="unit__") | access.subtree_q(user, every_role, prefix="community__")
    if owner_ids:
        q |= Q(programme__owner_id__in=owner_ids)
    qs = Pairing.objects.filter(q).select_related("unit", "community", "programme")
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-pk")


def pairing_get_for_user(*, user: Any, pairing_id: int) -> Pairing:
    pairing = pairing_list_for_user(user=user).filter(pk=pairing_id).first()
    if pairing is None:
        raise NotFound("not_found", _("No such pairing."))
    return pairing


# --- compliance ---------------------------------------------------------------------------------
def _pct(part: int, whole: int) -> Decimal:
    if whole == 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class DepartmentCompliance:
    department: Organisation
    university: Organisation | None
    branches_total: int
    branches_taking_part: int
    students_total: int
    students_taking_part: int
    branch_quota_pct: Decimal
    student_quota_pct: Decimal

    @property
    def branch_pct(self) -> Decimal:
        return _pct(self.branches_taking_part, self.branches_total)

    @property
    def student_pct(self) -> Decimal:
        return _pct(self.students_taking_part, self.students_total)

    @property
    def branches_met(self) -> bool:
        return self.branch_pct >= self.branch_quota_pct

    @property
    def students_met(self) -> bool:
        return self.student_pct >= self.student_quota_pct

    @property
    def met(self) -> bool:
        return self.branches_met and self.students_met


@dataclass
class PairingIssue:
    pairing: Pairing
    services_in_month: int = 0


@dataclass
class Compliance:
    programme: Programme
    month: tuple[int, int]
    departments: list[DepartmentCompliance] = field(default_factory=list)
    late_pairings: list[Pairing] = field(default_factory=list)
    not_started: list[Pairing] = field(default_factory=list)
    low_frequency: list[PairingIssue] = field(default_factory=list)


def _previous_month(today: date) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def compliance_for_user(
    *, user: Any, programme: Programme, under: Organisation | None = None, month: tuple[int, int] | None = None
) -> Compliance:
    """Quota coverage per department and the pairings that miss a deadline or the minimum
    frequency, restricted to what `user` may see (and to the subtree of `under`, for drill-down).

    A branch takes part when it is the university side of an approved (or active, or ended)
    pairing of the programme, or its application was confirmed. A student takes part when they are
    a member of a branch that takes part; each student counts once per department however many
    memberships they hold. The monthly frequency is checked for `month` (default: the last
    complete local month).
    """
    today = timezone.localdate()
    month = month or _previous_month(today)
    result = Compliance(programme=programme, month=month)
    steward_roles = access.STEWARD_ROLES
    scope = list(programme.scope.all())
    if not scope:
        return result
    in_scope = Q()
    for org in scope:
        in_scope |= Q(path__startswith=org.path)
    visible = access.subtree_q(user, steward_roles)
    if access.can(user, "programme.manage", programme.owner):
        visible = Q()
    departments = Organisation.objects.filter(in_scope, visible, kind=OrgKind.DEPARTMENT_COMMITTEE)
    if under is not None:
        departments = departments.filter(path__startswith=under.path)
    departments = list(departments.select_related("parent").order_by("path"))
    dept_by_id = {d.pk: d for d in departments}
    branches = list(
        Organisation.objects.filter(kind=OrgKind.CLASS_BRANCH, parent_id__in=dept_by_id, is_active=True).values_list(
            "pk", "parent_id"
        )
    )
    branch_dept = dict(branches)
    taking_part = set(
        Pairing.objects.filter(programme=programme, unit_id__in=branch_dept, state__in=COUNTED_PAIRING_STATES).values_list(
            "unit_id", flat=True
        )
    ) | set(
        BranchApplication.objects.filter(
            call__programme=programme, branch_id__in=branch_dept, state=BranchApplication.State.CONFIRMED
        ).values_list("branch_id", flat=True)
    )
    students_all: dict[int, set[int]] = defaultdict(set)
    students_in: dict[int, set[int]] = defaultdict(set)
    for org_id, user_id in Membership.objects.filter(
        org_id__in=branch_dept, role=Role.STUDENT, is_active=True
    ).values_list("org_id", "user_id"):
        dept_id = branch_dept[org_id]
        students_all[dept_id].add(user_id)
        if org_id in taking_part:
            students_in[dept_id].add(user_id)
    branches_total: dict[int, int] = defaultdict(int)
    branches_in: dict[int, int] = defaultdict(int)
    for branch_id, dept_id in branch_dept.items():
        branches_total[dept_id] += 1
        branches_in[dept_id] += branch_id in taking_part
    for dept in departments:
        result.departments.append(
            DepartmentCompliance(
                department=dept,
                university=dept.parent,
                branches_total=branches_total[dept.pk],
                branches_taking_part=branches_in[dept.pk],
                students_total=len(students_all[dept.pk]),
                students_taking_part=len(students_in[dept.pk]),
                branch_quota_pct=programme.branch_quota_pct,
                student_quota_pct=programme.student_quota_pct,
            )
        )

    pairings = pairing_list_for_user(user=user, programme_id=programme.pk)
    if access.can(user, "programme.manage", programme.owner):
        pairings = Pairing.objects.filter(programme=programme).select_related("unit", "community", "programme")
    if under is not None:
        pairings = pairings.filter(Q(unit__path__startswith=under.path) | Q(community__path__startswith=under.path))
    live = list(pairings.exclude(state=Pairing.State.REJECTED))
    result.late_pairings = [p for p in live if after_day(p.created_at, programme.pairing_deadline)]
    start_passed = today > programme.start_deadline
    result.not_started = [
        p
        for p in live
        if p.state in (Pairing.State.APPROVED, Pairing.State.ACTIVE)
        and (
            (p.started_at is None and start_passed)
            or (p.started_at is not None and after_day(p.started_at, programme.start_deadline))
        )
    ]
    start, end = month_bounds(*month)
    first_day, last_day = timezone.localtime(start).date(), timezone.localtime(end).date()
    active = [p for p in live if p.state == Pairing.State.ACTIVE]
    counts = dict(
        ServiceRecord.objects.filter(pairing__in=active, held_on__gte=first_day, held_on__lt=last_day)
        .values("pairing_id")
        .annotate(n=Count("pk"))
        .values_list("pairing_id", "n")
    )
    result.low_frequency = [
        PairingIssue(pairing=p, services_in_month=counts.get(p.pk, 0))
        for p in active
        if counts.get(p.pk, 0) < programme.min_services_per_month
    ]
    return result

# --- for the API (programmes/api.py) ------------------------------------------------------------
def call_list_for_user(*, user: Any, programme_id: int | None = None) -> QuerySet[RecruitmentCall]:
    """Recruitment calls of the programmes `user` may see."""
    visible = programme_list_for_user(user=user).values("pk")
    qs = RecruitmentCall.objects.filter(programme_id__in=visible).select_related("programme")
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return qs.order_by("-opens_at", "-pk")


def call_get_for_user(*, user: Any, call_id: int) -> RecruitmentCall:
    call = call_list_for_user(user=user).filter(pk=call_id).first()
    if call is None:
        raise NotFound("not_found", _("No such recruitment call."))
    return call


def application_list_for_api(
    *, user: Any, state: str = "", programme_id: int | None = None, waiting: bool = False
) -> QuerySet[BranchApplication]:
    """The applications list with its filters; `waiting` narrows it to what waits for `user`."""
    if waiting:
        qs = applications_waiting_for(user=user).select_related("call__programme")
        if state:
            qs = qs.filter(state=state)
        if programme_id:
            qs = qs.filter(call__programme_id=programme_id)
        return qs.order_by("created_at", "pk")
    return application_list_for_user(user=user, state=state, programme_id=programme_id)


def pairing_community_for(*, programme: Programme, community_id: int) -> Organisation:
    """The community side named in a proposal: any organisation of the programme's city (a branch
    secretary does not otherwise see communities; `pairing_propose` checks the kind)."""
    city_path = f"/{programme.owner.city_id}/"
    community = Organisation.objects.filter(pk=community_id, path__startswith=city_path).first()
    if community is None:
        raise NotFound("not_found", _("No such organisation."), field="community")
    return community


"""Reads of programmes, applications and pairings that depend on who asks, and compliance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.core.timeutil import after_day, month_bounds, previous_month
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.programmes.models import (
    BranchApplication,
    Pairing,
    Programme,
    RecruitmentCall,
    ServiceRecord,
)
from qingshe.programmes.quotas import quota_met, quota_pct
from qingshe.reports.models import TypicalCase

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
        q |= (
            Q(owner_id__in=ancestors)
            | Q(scope__id__in=ancestors)
            | Q(scope__path__startswith=g.path)
        )
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
    return (
        programme.calls.filter(opens_at__lte=now, closes_at__gte=now).order_by("closes_at").first()
    )


# --- applications -------------------------------------------------------------------------------
def application_list_for_user(
    *, user: Any, state: str = "", programme_id: int | None = None
) -> QuerySet[BranchApplication]:
    roles = {Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN, Role.UNIVERSITY_ADMIN, Role.LEAGUE_ADMIN}
    # The committee that owns the programme sees its applications even when a university in its
    # scope sits outside its own subtree (a district programme with a city-level university).
    owner_ids = [g.org_id for g in access.grants(user) if g.role == Role.LEAGUE_ADMIN]
    q = access.subtree_q(user, roles, prefix="branch__")
    if owner_ids:
        q |= Q(call__programme__owner_id__in=owner_ids)
    qs = BranchApplication.objects.filter(q).select_related("branch", "call__programme")
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
        q |= access.subtree_q(user, [Role.BRANCH_SECRETARY], prefix="branch__") & Q(
            state=State.RETURNED
        )
    return (
        BranchApplication.objects.filter(q).select_related("branch", "call").order_by("created_at")
    )


# --- pairings -----------------------------------------------------------------------------------
def pairing_list_for_user(
    *, user: Any, programme_id: int | None = None, state: str = ""
) -> QuerySet[Pairing]:
    """Either side's people see a pairing; the programme's committee sees all of its pairings."""
    owner_ids = [g.org_id for g in access.grants(user) if g.role == Role.LEAGUE_ADMIN]
    every_role = list(Role.values)
    q = access.subtree_q(user, every_role, prefix="unit__") | access.subtree_q(
        user, every_role, prefix="community__"
    )
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
    cases_submitted: int = 0
    cases_required: int = 0

    @property
    def cases_met(self) -> bool:
        return self.cases_submitted >= self.cases_required

    @property
    def branch_pct(self) -> Decimal:
        return quota_pct(self.branches_taking_part, self.branches_total)

    @property
    def student_pct(self) -> Decimal:
        return quota_pct(self.students_taking_part, self.students_total)

    @property
    def branches_met(self) -> bool:
        return self.branch_pct >= self.branch_quota_pct

    @property
    def students_met(self) -> bool:
        return self.student_pct >= self.student_quota_pct

    @property
    def met(self) -> bool:
        return quota_met(
            branches_in=self.branches_taking_part,
            branches_total=self.branches_total,
            students_in=self.students_taking_part,
            students_total=self.students_total,
            branch_quota_pct=self.branch_quota_pct,
            student_quota_pct=self.student_quota_pct,
        )


@dataclass
class DistrictCoverage:
    """The receiving side: how many of a district's communities the programme's pairings serve."""

    district: Organisation
    communities_total: int
    communities_paired: int

    @property
    def pct(self) -> Decimal:
        return quota_pct(self.communities_paired, self.communities_total)


@dataclass
class PairingIssue:
    pairing: Pairing
    services_in_month: int = 0


def pairing_service_counts(
    *, pairing_ids: list[int], first_day: date, end_day: date
) -> dict[int, int]:
    """How many services each pairing held from `first_day` up to (not including) `end_day`: the
    services its secretary recorded, plus each duty shift of its activities for which someone's
    service was confirmed into the hours ledger on a day of the period (a shift once however many
    served). The compliance page's monthly minimum and the dashboard's idle pairings
    (reports.dashboard.refresh, which counts the same in one pass over the month) both mean this."""
    from qingshe.credit.models import EntryKind, LedgerEntry

    counts: dict[int, int] = defaultdict(int)
    for pairing_id, n in (
        ServiceRecord.objects.filter(
            pairing_id__in=pairing_ids, held_on__gte=first_day, held_on__lt=end_day
        )
        .values("pairing_id")
        .annotate(n=Count("pk"))
        .values_list("pairing_id", "n")
    ):
        counts[pairing_id] += n
    for pairing_id, n in (
        LedgerEntry.objects.filter(
            attendance__shift__activity__pairing_id__in=pairing_ids,
            service_date__gte=first_day,
            service_date__lt=end_day,
        )
        .exclude(kind=EntryKind.REVERSAL)
        .values("attendance__shift__activity__pairing_id")
        .annotate(n=Count("attendance__shift_id", distinct=True))
        .values_list("attendance__shift__activity__pairing_id", "n")
    ):
        counts[pairing_id] += n
    return dict(counts)


@dataclass
class Compliance:
    programme: Programme
    month: tuple[int, int]
    departments: list[DepartmentCompliance] = field(default_factory=list)
    late_pairings: list[Pairing] = field(default_factory=list)
    not_started: list[Pairing] = field(default_factory=list)
    low_frequency: list[PairingIssue] = field(default_factory=list)
    districts: list[DistrictCoverage] = field(default_factory=list)
    # Students of each university (key: its pk, None for departments without one), each person
    # once however many departments they belong to: (all, taking part).
    university_students: dict[int | None, tuple[int, int]] = field(default_factory=dict)
    # council (issue 8): active pairings whose monthly work feedback form is missing or late.
    feedback_issues: list[Any] = field(default_factory=list)

    @property
    def missing_cases(self) -> list[DepartmentCompliance]:
        """Departments that have submitted fewer typical cases than the programme asks for."""
        return [d for d in self.departments if not d.cases_met]


def compliance_for_user(
    *,
    user: Any,
    programme: Programme,
    under: Organisation | None = None,
    month: tuple[int, int] | None = None,
    include_districts: bool = False,
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
    month = month or previous_month(today)
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
        Organisation.objects.filter(
            kind=OrgKind.CLASS_BRANCH, parent_id__in=dept_by_id, is_active=True
        ).values_list("pk", "parent_id")
    )
    branch_dept = dict(branches)
    taking_part = set(
        Pairing.objects.filter(
            programme=programme, unit_id__in=branch_dept, state__in=COUNTED_PAIRING_STATES
        ).values_list("unit_id", flat=True)
    ) | set(
        BranchApplication.objects.filter(
            call__programme=programme,
            branch_id__in=branch_dept,
            state=BranchApplication.State.CONFIRMED,
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
    university_all: dict[int | None, set[int]] = defaultdict(set)
    university_in: dict[int | None, set[int]] = defaultdict(set)
    for dept_id, people in students_all.items():
        university_all[dept_by_id[dept_id].parent_id] |= people
        university_in[dept_by_id[dept_id].parent_id] |= students_in[dept_id]
    result.university_students = {
        key: (len(people), len(university_in[key])) for key, people in university_all.items()
    }
    branches_total: dict[int, int] = defaultdict(int)
    branches_in: dict[int, int] = defaultdict(int)
    for branch_id, dept_id in branch_dept.items():
        branches_total[dept_id] += 1
        branches_in[dept_id] += branch_id in taking_part
    cases = dict(
        TypicalCase.objects.filter(
            programme=programme, department_id__in=dept_by_id, state__in=TypicalCase.COUNTED_STATES
        )
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
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
                cases_submitted=cases.get(dept.pk, 0),
                cases_required=programme.cases_per_department,
            )
        )

    pairings = pairing_list_for_user(user=user, programme_id=programme.pk)
    if access.can(user, "programme.manage", programme.owner):
        pairings = Pairing.objects.filter(programme=programme).select_related(
            "unit", "community", "programme"
        )
    if under is not None:
        pairings = pairings.filter(
            Q(unit__path__startswith=under.path) | Q(community__path__startswith=under.path)
        )
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
    # Only pairings that were active for the whole month owe it the minimum number of services.
    active = [
        p
        for p in live
        if p.state == Pairing.State.ACTIVE and p.started_at is not None and p.started_at < start
    ]
    counts = pairing_service_counts(
        pairing_ids=[p.pk for p in active], first_day=first_day, end_day=last_day
    )
    result.low_frequency = [
        PairingIssue(pairing=p, services_in_month=counts.get(p.pk, 0))
        for p in active
        if counts.get(p.pk, 0) < programme.min_services_per_month
    ]
    # council (issue 8): the month's work feedback forms (工作情况反馈表) missing or filed late.
    from qingshe.council.selectors import feedback_issues

    result.feedback_issues = feedback_issues(pairings=live, month=month)
    if include_districts:
        result.districts = _district_coverage(
            user=user, programme=programme, under=under, visible=visible
        )
    return result


def _district_coverage(
    *, user: Any, programme: Programme, under: Organisation | None, visible: Q
) -> list[DistrictCoverage]:
    """Communities served per district of the programme's city (drill-down from the city)."""
    city_path = f"/{programme.owner.city_id}/"
    districts = Organisation.objects.filter(
        visible, kind=OrgKind.DISTRICT_COMMITTEE, path__startswith=city_path
    )
    if under is not None:
        districts = districts.filter(
            Q(path__startswith=under.path) | Q(pk__in=under.ancestor_ids())
        )
    districts = list(districts.order_by("path"))
    if not districts:
        return []
    communities = list(
        Organisation.objects.filter(
            kind=OrgKind.COMMUNITY, path__startswith=city_path, is_active=True
        ).values_list("pk", "path")
    )
    paired = set(
        Pairing.objects.filter(
            programme=programme,
            community__kind=OrgKind.COMMUNITY,
            state__in=(Pairing.State.APPROVED, Pairing.State.ACTIVE),
        ).values_list("community_id", flat=True)
    )
    rows = []
    for district in districts:
        mine = [pk for pk, path in communities if path.startswith(district.path)]
        rows.append(
            DistrictCoverage(
                district=district,
                communities_total=len(mine),
                communities_paired=sum(1 for pk in mine if pk in paired),
            )
        )
    return rows


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


# --- Pages (issue 3, the programme pages): reads the pages need ----------------------------------
# Added by the pages work. Each is a constant number of queries, whatever the size of the city.
PAGE_UNIT_KINDS = (OrgKind.CLASS_BRANCH, OrgKind.DEPARTMENT_COMMITTEE, OrgKind.VOLUNTEER_TEAM)
PAGE_COMMUNITY_KINDS = (OrgKind.COMMUNITY, OrgKind.STREET)
PAGE_OWNER_KINDS = (OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE)
# What a programme's scope is made of (their subtrees count).
PAGE_SCOPE_KINDS = (
    OrgKind.DISTRICT_COMMITTEE,
    OrgKind.UNIVERSITY_COMMITTEE,
    OrgKind.DEPARTMENT_COMMITTEE,
    OrgKind.STREET,
)


def _history(obj: Any) -> QuerySet[Any]:
    from qingshe.core.models import AuditEvent

    return (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def application_history(*, application: BranchApplication) -> QuerySet[Any]:
    """The audit trail of one application, oldest first (who, when, what, reason)."""
    return _history(application)


def pairing_history(*, pairing: Pairing) -> QuerySet[Any]:
    """The audit trail of one pairing, oldest first."""
    return _history(pairing)


def programme_owners_for_user(*, user: Any) -> QuerySet[Organisation]:
    """The league committees for which `user` may open a programme (programme.manage)."""
    return Organisation.objects.filter(
        access.subtree_q(user, access.ORG_ACTIONS["programme.manage"]),
        kind__in=PAGE_OWNER_KINDS,
        is_active=True,
    ).order_by("path")


def programme_scope_choices_for_user(
    *, user: Any, owner: Organisation | None = None
) -> QuerySet[Organisation]:
    """Organisations a programme's scope can be made of: those the person can see, of the
    kinds that take part, in the owner's city."""
    qs = Organisation.objects.filter(
        access.orgs_visible_q(user), kind__in=PAGE_SCOPE_KINDS, is_active=True
    )
    if owner is not None:
        qs = qs.filter(path__startswith=f"/{owner.city_id}/")
    return qs.order_by("path")


def programme_can_manage(*, user: Any, programme: Programme) -> bool:
    return access.can(user, "programme.manage", programme.owner)


def programme_can_see_compliance(*, user: Any, programme: Programme) -> bool:
    """The programme's committee and the league admins of universities and departments."""
    return programme_can_manage(user=user, programme=programme) or access.has_role(
        user, access.ADMIN_ROLES
    )


def _in_scope_q(programme: Programme, prefix: str = "") -> Q:
    scope = list(programme.scope.all())
    if not scope:
        return Q(pk__in=[])
    q = Q()
    for org in scope:
        q |= Q(**{f"{prefix}path__startswith": org.path})
    return q


def branches_to_apply_for(*, user: Any, call: RecruitmentCall) -> QuerySet[Organisation]:
    """Class branches in the programme's scope for which `user` may apply (application.submit)."""
    return Organisation.objects.filter(
        _in_scope_q(call.programme),
        access.subtree_q(user, access.ORG_ACTIONS["application.submit"]),
        kind=OrgKind.CLASS_BRANCH,
        is_active=True,
    ).order_by("path")


def pairing_units_for_user(*, user: Any, programme: Programme) -> QuerySet[Organisation]:
    """University-side units in scope for which `user` may propose a pairing (the committee may
    propose for every unit in scope)."""
    qs = Organisation.objects.filter(
        _in_scope_q(programme), kind__in=PAGE_UNIT_KINDS, is_active=True
    )
    if not programme_can_manage(user=user, programme=programme):
        qs = qs.filter(access.subtree_q(user, access.ORG_ACTIONS["pairing.propose"]))
    return qs.select_related("parent").order_by("path")


def pairing_communities_for(*, programme: Programme) -> QuerySet[Organisation]:
    """Communities and streets of the programme's city: the community side of a pairing."""
    return (
        Organisation.objects.filter(
            path__startswith=f"/{programme.owner.city_id}/",
            kind__in=PAGE_COMMUNITY_KINDS,
            is_active=True,
        )
        .select_related("parent")
        .order_by("path")
    )


def pairings_waiting_for(*, user: Any) -> QuerySet[Pairing]:
    """Pairings that wait for this person: approval by the committee, or the agreement's
    confirmation by their side."""
    State = Pairing.State
    q = Q(pk__in=[])
    if access.has_role(user, access.ORG_ACTIONS["programme.manage"]):
        q |= Q(state=State.PROPOSED) & access.subtree_q(
            user, access.ORG_ACTIONS["programme.manage"], prefix="programme__owner__"
        )
    unit_roles = access.ORG_ACTIONS["pairing.confirm_unit"]
    if access.has_role(user, unit_roles):
        q |= Q(state=State.APPROVED, unit_confirmed_at__isnull=True) & access.subtree_q(
            user, unit_roles, prefix="unit__"
        )
    community_roles = access.ORG_ACTIONS["pairing.confirm_community"]
    if access.has_role(user, community_roles):
        q |= Q(state=State.APPROVED, community_confirmed_at__isnull=True) & access.subtree_q(
            user, community_roles, prefix="community__"
        )
    return (
        Pairing.objects.filter(q)
        .select_related("unit", "community", "programme")
        .order_by("created_at", "pk")
    )


def programmes_managed_by(*, user: Any) -> QuerySet[Programme]:
    """Open programmes whose committee `user` is a league admin of (or above)."""
    if not access.has_role(user, access.ORG_ACTIONS["programme.manage"]):
        return Programme.objects.none()
    return (
        Programme.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["programme.manage"], prefix="owner__"),
            state=Programme.State.OPEN,
        )
        .select_related("owner")
        .order_by("-year", "name", "pk")
    )


@dataclass
class BranchParticipation:
    branch: Organisation
    taking_part: bool
    by_pairing: bool
    by_application: bool
    students: int


def compliance_branches(
    *, programme: Programme, department: Organisation
) -> list[BranchParticipation]:
    """The class branches of one department and whether each takes part in the programme (by
    the same rule as compliance_for_user). The caller checks that the department is visible."""
    branches = list(
        Organisation.objects.filter(
            kind=OrgKind.CLASS_BRANCH, parent=department, is_active=True
        ).order_by("name")
    )
    ids = [b.pk for b in branches]
    paired = set(
        Pairing.objects.filter(
            programme=programme, unit_id__in=ids, state__in=COUNTED_PAIRING_STATES
        ).values_list("unit_id", flat=True)
    )
    confirmed = set(
        BranchApplication.objects.filter(
            call__programme=programme, branch_id__in=ids, state=BranchApplication.State.CONFIRMED
        ).values_list("branch_id", flat=True)
    )
    students = dict(
        Membership.objects.filter(org_id__in=ids, role=Role.STUDENT, is_active=True)
        .values("org_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("org_id", "n")
    )
    return [
        BranchParticipation(
            branch=b,
            taking_part=b.pk in paired or b.pk in confirmed,
            by_pairing=b.pk in paired,
            by_application=b.pk in confirmed,
            students=students.get(b.pk, 0),
        )
        for b in branches
    ]


# --- end of the pages' block --------------------------------------------------------------------

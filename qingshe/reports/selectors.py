"""Reads of typical cases that depend on who asks.

- A department's league admins and the secretaries of its branches see the department's cases.
- League and university admins see the cases of the departments in their subtree; the league
  committee that owns a programme sees all of its cases (a district programme with a city-level
  university in scope), and reviews them.
- Featured cases are public: anyone, signed in or not, sees them on the featured page.
Anyone else gets the same 404 as for a case that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import Programme
from qingshe.reports.models import CasePhoto, TypicalCase

SUBTREE_ROLES = (Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN)


def _secretary_department_ids(user: Any) -> list[int]:
    """The departments above the branches where `user` is the secretary (a branch's parent is
    always a department committee)."""
    ids = []
    for g in access.grants(user):
        if g.role == Role.BRANCH_SECRETARY:
            parts = [p for p in g.path.strip("/").split("/") if p]
            if len(parts) >= 2:
                ids.append(int(parts[-2]))
    return ids


def case_visible_q(user: Any) -> Q:
    if access.is_platform_staff(user):
        return Q()
    q = access.subtree_q(user, SUBTREE_ROLES, prefix="department__")
    departments = _secretary_department_ids(user)
    if departments:
        q |= Q(department_id__in=departments)
    if access.has_role(user, [Role.LEAGUE_ADMIN]):
        # The committee that owns the programme (or one above it) sees all of its cases.
        q |= access.subtree_q(user, [Role.LEAGUE_ADMIN], prefix="programme__owner__")
    return q


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    programme_id: int | None = None
    department_id: int | None = None


def case_list_for_user(*, user: Any, filters: CaseFilters | None = None) -> QuerySet[TypicalCase]:
    """The cases `user` may see, newest submission first, with what a list shows."""
    f = filters or CaseFilters()
    qs = (
        TypicalCase.objects.filter(case_visible_q(user))
        .select_related("programme", "department", "activity", "project")
        .annotate(photo_count=Count("photos"))
    )
    if f.state:
        qs = qs.filter(state=f.state)
    if f.programme_id:
        qs = qs.filter(programme_id=f.programme_id)
    if f.department_id:
        qs = qs.filter(department_id=f.department_id)
    return qs.order_by("-submitted_at", "-pk")


def _with_photos(qs: QuerySet[TypicalCase]) -> QuerySet[TypicalCase]:
    return qs.select_related(
        "programme__owner", "department", "activity", "project", "submitted_by", "reviewed_by"
    ).prefetch_related(Prefetch("photos", queryset=CasePhoto.objects.order_by("order", "pk")))


def case_get_for_user(*, user: Any, case_id: int) -> TypicalCase:
    case = _with_photos(TypicalCase.objects.filter(case_visible_q(user), pk=case_id)).first()
    if case is None:
        raise NotFound("not_found", _("No such typical case."))
    return case


def case_photo_get_for_user(*, user: Any, case_id: int, photo_id: int) -> CasePhoto:
    photo = (
        CasePhoto.objects.filter(
            case__in=TypicalCase.objects.filter(case_visible_q(user)), case_id=case_id, pk=photo_id
        )
        .select_related("case")
        .first()
    )
    if photo is None:
        raise NotFound("not_found", _("No such photo."))
    return photo


def cases_to_review(*, user: Any) -> QuerySet[TypicalCase]:
    """Submitted cases of the programmes that `user` may review (a league admin at the
    programme's owner or above it), the longest waiting first."""
    q = access.subtree_q(user, [Role.LEAGUE_ADMIN], prefix="programme__owner__")
    return (
        TypicalCase.objects.filter(q, state=TypicalCase.State.SUBMITTED)
        .select_related("programme", "department")
        .annotate(photo_count=Count("photos"))
        .order_by("submitted_at", "pk")
    )


# --- public ---------------------------------------------------------------------------------------
def featured_cases(*, programme_id: int | None = None) -> QuerySet[TypicalCase]:
    """What the public page shows: featured cases, the most recently featured first, with their
    first photo's thumbnail."""
    qs = (
        TypicalCase.objects.filter(state=TypicalCase.State.FEATURED)
        .select_related("programme", "department__parent")
        .prefetch_related(Prefetch("photos", queryset=CasePhoto.objects.order_by("order", "pk")))
    )
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return qs.order_by("-reviewed_at", "-pk")


def featured_case_get(*, case_id: int) -> TypicalCase:
    case = featured_cases().select_related("activity", "project").filter(pk=case_id).first()
    if case is None:
        raise NotFound("not_found", _("No such typical case."))
    return case


def featured_photo_get(*, case_id: int, photo_id: int) -> CasePhoto:
    photo = CasePhoto.objects.filter(
        case_id=case_id, pk=photo_id, case__state=TypicalCase.State.FEATURED
    ).first()
    if photo is None:
        raise NotFound("not_found", _("No such photo."))
    return photo


# --- what a department may submit ----------------------------------------------------------------
def departments_for_submitter(*, user: Any) -> QuerySet[Organisation]:
    """The departments whose cases `user` may submit (league admins of a department)."""
    q = access.subtree_q(user, [Role.DEPARTMENT_ADMIN])
    return Organisation.objects.filter(
        q, kind=OrgKind.DEPARTMENT_COMMITTEE, is_active=True
    ).order_by("path")


def programmes_for_department(*, department: Organisation) -> QuerySet[Programme]:
    """Open programmes whose scope covers `department`."""
    ancestors = [*department.ancestor_ids(), department.pk]
    return (
        Programme.objects.filter(state=Programme.State.OPEN, scope__id__in=ancestors)
        .distinct()
        .select_related("owner")
        .order_by("-year", "name")
    )


def linkable_activities(*, department: Organisation) -> QuerySet[Any]:
    """Activities a case of `department` may document: organised in its subtree or by one of its
    pairings (the services check the same rule)."""
    from qingshe.duty.models import Activity

    return (
        Activity.objects.filter(
            Q(organiser__path__startswith=department.path)
            | Q(pairing__unit__path__startswith=department.path)
        )
        .exclude(state=Activity.State.CANCELLED)
        .select_related("organiser", "pairing__unit")
        .order_by("-created_at", "-pk")
    )


def linkable_projects(*, department: Organisation) -> QuerySet[Any]:
    from qingshe.needs.models import ProjectGroup

    return (
        ProjectGroup.objects.filter(owner__path__startswith=department.path)
        .select_related("owner")
        .order_by("name", "pk")
    )


# --- the department's own figures (home panel) -----------------------------------------------------
@dataclass(frozen=True)
class DepartmentQuota:
    department: Organisation
    programme: Programme
    counted: int
    required: int
    returned: int

    @property
    def met(self) -> bool:
        return self.counted >= self.required


def department_quotas(*, user: Any, limit: int = 6) -> list[DepartmentQuota]:
    """For each department `user` submits for and each open programme covering it: the cases that
    count against the quota, and those returned for changes. A fixed number of queries."""
    departments = list(departments_for_submitter(user=user)[:limit])
    if not departments:
        return []
    ancestor_ids = {i for d in departments for i in [*d.ancestor_ids(), d.pk]}
    programmes = list(
        Programme.objects.filter(state=Programme.State.OPEN, scope__id__in=ancestor_ids)
        .distinct()
        .prefetch_related("scope")
        .order_by("-year", "name")[:limit]
    )
    counts: dict[tuple[int, int], dict[str, int]] = {}
    rows = (
        TypicalCase.objects.filter(department__in=departments, programme__in=programmes)
        .values("department_id", "programme_id", "state")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault((row["department_id"], row["programme_id"]), {})[row["state"]] = row["n"]
    out = []
    for d in departments:
        for p in programmes:
            if not any(d.is_within(s) for s in p.scope.all()):
                continue
            by_state = counts.get((d.pk, p.pk), {})
            out.append(
                DepartmentQuota(
                    department=d,
                    programme=p,
                    counted=sum(by_state.get(s, 0) for s in TypicalCase.COUNTED_STATES),
                    required=p.cases_per_department,
                    returned=by_state.get(TypicalCase.State.RETURNED, 0),
                )
            )
    return out

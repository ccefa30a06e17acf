"""The one place that decides what a person may see and do.

A Membership gives a role in an organisation; the role applies to that organisation's whole
subtree. Every selector, page and API endpoint asks this module, through `can()` for one object
or the `*_q()` helpers for a list. Nothing else interprets roles.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q, QuerySet

from qingshe.core import sql
from qingshe.orgs.models import Membership, Organisation, Role

if TYPE_CHECKING:
    from qingshe.accounts.models import User

ADMIN_ROLES = frozenset({Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN})
# Roles that look after the people of their subtree (see members, follow up on their records).
STEWARD_ROLES = ADMIN_ROLES | {
    Role.BRANCH_SECRETARY,
    Role.COMMUNITY_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.INSTRUCTOR,
}
# Roles that may read a clear resident ID number (certification, insurance, honours).
ID_NUMBER_ROLES = frozenset({Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN})

# action → the roles that grant it over the subtree of the membership's organisation.
ORG_ACTIONS: dict[str, frozenset[str]] = {
    "org.view": frozenset(Role.values),
    "org.view_members": STEWARD_ROLES,
    "org.manage": ADMIN_ROLES,
    # programmes: evaluated on the organisation the step belongs to
    "programme.manage": frozenset({Role.LEAGUE_ADMIN}),  # on the programme's owner
    "application.submit": frozenset(
        {Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN}
    ),  # on the branch
    "application.recommend": frozenset({Role.DEPARTMENT_ADMIN}),  # on the branch
    "application.review": frozenset({Role.UNIVERSITY_ADMIN}),  # on the branch
    "pairing.propose": ADMIN_ROLES | {Role.BRANCH_SECRETARY},  # on the university side
    "pairing.confirm_unit": frozenset(
        {Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN, Role.UNIVERSITY_ADMIN}
    ),  # on the university side
    "pairing.confirm_community": frozenset(
        {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
    ),  # on the community side
    # duty: evaluated on the activity's organiser
    "activity.manage": ADMIN_ROLES
    | {Role.BRANCH_SECRETARY, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY},
    "attendance.confirm": frozenset(
        {
            Role.COMMUNITY_STAFF,
            Role.COMMUNITY_SECRETARY,
            Role.DEPARTMENT_ADMIN,
            Role.UNIVERSITY_ADMIN,
        }
    ),
    "attendance.confirm_overdue": frozenset({Role.LEAGUE_ADMIN}),
    "training.manage": ADMIN_ROLES
    | {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.INSTRUCTOR},
    "pairing.record_service": frozenset(
        {
            Role.BRANCH_SECRETARY,
            Role.DEPARTMENT_ADMIN,
            Role.COMMUNITY_STAFF,
            Role.COMMUNITY_SECRETARY,
        }
    ),
    # project groups: evaluated on the group's owner (a class branch or a department committee)
    "project.manage": ADMIN_ROLES | {Role.BRANCH_SECRETARY},
    "project.decide": ADMIN_ROLES
    | {Role.BRANCH_SECRETARY},  # also the group's leader and instructor
    "project.join": frozenset({Role.STUDENT}),  # held at a branch in the owner's subtree
    # needs: evaluated on the need's community
    "need.view": frozenset(
        {
            Role.LEAGUE_ADMIN,
            Role.COMMUNITY_STAFF,
            Role.COMMUNITY_SECRETARY,
            Role.PANEL_MEMBER,
            Role.COUNCIL_MEMBER,
        }
    ),
    "need.triage": frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}),
    "need.enter_for_resident": frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}),
    "need.post_bounty": frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}),
    # 团团派单: the league dispatches — the community's league secretary and the committees above.
    "need.dispatch": frozenset({Role.LEAGUE_ADMIN, Role.COMMUNITY_SECRETARY}),
    # 青年评议团 and the community verify what volunteers report done.
    "need.verify": frozenset({Role.PANEL_MEMBER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}),
    # 揭榜: evaluated on the claiming organisation (a university or one of its departments)
    "bounty.claim": frozenset({Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN}),
    # the resource list: evaluated on the offering organisation
    "resource.manage": ADMIN_ROLES | {Role.PARTNER_CONTACT},
    # --- council (issue 8): evaluated on the community, or for feedback forms on the pairing's
    # side named (unit for filing, community for confirming); evaluations on the subject org.
    "council.view": frozenset(
        {
            Role.LEAGUE_ADMIN,
            Role.COMMUNITY_STAFF,
            Role.COMMUNITY_SECRETARY,
            Role.COUNCIL_MEMBER,
            Role.PANEL_MEMBER,
        }
    ),
    "council.collect": frozenset(
        {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
    ),  # summaries, list
    "council.meet": frozenset(
        {Role.COMMUNITY_SECRETARY, Role.COUNCIL_MEMBER}
    ),  # meetings, resolutions
    "council.verify": frozenset({Role.PANEL_MEMBER}),  # 青年评议团 of that community only
    "feedback.file": frozenset({Role.BRANCH_SECRETARY}),  # on the pairing's unit
    "feedback.view": STEWARD_ROLES | {Role.LEAGUE_ADMIN},  # on either side of the pairing
    "feedback.confirm": frozenset(
        {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
    ),  # on the community
    "evaluation.view": STEWARD_ROLES,  # on the subject organisation
    "evaluation.community": frozenset(
        {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
    ),  # on the community
    # --- end council
}
# --- dashboards (reports.dashboard, issue 9) ----------------------------------------------------
# Read the figures of an organisation's subtree: its admins and the stewards of a branch or a
# community; a student or a resident does not read a dashboard.
ORG_ACTIONS["dashboard.view"] = ADMIN_ROLES | {
    Role.BRANCH_SECRETARY,
    Role.COMMUNITY_STAFF,
    Role.COMMUNITY_SECRETARY,
}
# --- end of dashboards ---------------------------------------------------------------------------

PERSON_ACTIONS: dict[str, frozenset[str]] = {
    "person.view": STEWARD_ROLES,
    "person.view_contact": STEWARD_ROLES,
    "person.view_id_number": ID_NUMBER_ROLES,
    "person.edit": frozenset(),  # only the person themself (and platform staff)
    # carry out a person's deletion request (accounts.personal_data): never the person themself
    "person.erase": frozenset({Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN}),
}


@dataclass(frozen=True)
class Grant:
    role: str
    org_id: int
    path: str


def grants(user: User | Any) -> tuple[Grant, ...]:
    """The active roles of `user`, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_qingshe_grants", None)
    if cached is None:
        # Membership.objects.filter(user_id=…, is_active=True).values_list("role", "org_id",
        # "org__path") as one fixed statement: every signed-in page reads it (the menu), and
        # building that ORM query cost twenty times running it (issue 11).
        with connection.cursor() as cursor:
            cursor.execute(_grants_sql(), [user.pk, True])
            rows = cursor.fetchall()
        cached = tuple(Grant(role=r, org_id=o, path=p) for r, o, p in rows)
        user._qingshe_grants = cached
    return cached


@functools.cache
def _grants_sql() -> str:
    def col(model: Any, name: str) -> str:
        return sql.column(model, name, qualified=True)

    m, o = Membership, Organisation
    select = f"SELECT {col(m, 'role')}, {col(m, 'org')}, {col(o, 'path')} FROM {sql.table(m)} "  # noqa: S608
    join = f"INNER JOIN {sql.table(o)} ON ({col(m, 'org')} = {col(o, 'id')}) "
    return select + join + f"WHERE ({col(m, 'user')} = %s AND {col(m, 'is_active')} = %s)"


def forget(user: Any) -> None:
    """Drop the cached grants (after a service changed the user's memberships)."""
    if hasattr(user, "_qingshe_grants"):
        del user._qingshe_grants


def is_platform_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def has_role(user: Any, roles: Iterable[str] | None = None) -> bool:
    wanted = set(roles) if roles is not None else None
    return any(wanted is None or g.role in wanted for g in grants(user))


def _grant_paths(user: Any, roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return [g.path for g in grants(user) if g.role in wanted]


def holds_over(user: Any, org: Organisation, roles: Iterable[str]) -> bool:
    """True when `user` holds one of `roles` at `org` or at one of its ancestors."""
    return any(org.path.startswith(path) for path in _grant_paths(user, roles))


def _ancestor_ids(user: Any) -> set[int]:
    ids: set[int] = set()
    for g in grants(user):
        ids.update(int(part) for part in g.path.strip("/").split("/")[:-1] if part)
    return ids


def subtree_q(user: Any, roles: Iterable[str], *, prefix: str = "") -> Q:
    """A filter for rows whose organisation (reached by `prefix`, e.g. "org__") lies in a
    subtree where `user` holds one of `roles`. Matches nothing when there is none."""
    paths = _grant_paths(user, roles)
    if is_platform_staff(user):
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


# --- organisations ------------------------------------------------------------------------------
def orgs_visible_q(user: Any) -> Q:
    """Organisations a person may see: the subtrees of their memberships, plus the ancestors of
    those (names for breadcrumbs). Siblings and cousins stay invisible."""
    if is_platform_staff(user):
        return Q()
    q = subtree_q(user, ORG_ACTIONS["org.view"])
    ancestors = _ancestor_ids(user)
    return q | Q(pk__in=ancestors) if ancestors else q


def can_org(user: Any, action: str, org: Organisation) -> bool:
    if is_platform_staff(user):
        return True
    if action == "org.view":
        return holds_over(user, org, ORG_ACTIONS[action]) or org.pk in _ancestor_ids(user)
    if action == "org.view_members":
        # Stewards of the subtree, and the members of that very organisation (classmates).
        return holds_over(user, org, ORG_ACTIONS[action]) or any(
            g.org_id == org.pk for g in grants(user)
        )
    return holds_over(user, org, ORG_ACTIONS[action])


# --- people -------------------------------------------------------------------------------------
def people_q(user: Any, action: str) -> Q:
    """A filter on User rows: the people whose membership lies where `user` may do `action`."""
    if is_platform_staff(user):
        return Q()
    roles = PERSON_ACTIONS[action]
    own = Q(pk=user.pk) if getattr(user, "pk", None) else Q(pk__in=[])
    if not roles:
        return own
    if not _grant_paths(user, roles):
        return own
    # A subquery, not a join, so that a person with several memberships appears once.
    members = Membership.objects.filter(
        subtree_q(user, roles, prefix="org__"), is_active=True
    ).values("user_id")
    return own | Q(pk__in=members)


def can_person(user: Any, action: str, person: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_platform_staff(user) or user.pk == person.pk:
        return True
    roles = PERSON_ACTIONS[action]
    if not roles:
        return False
    paths = _grant_paths(user, roles)
    if not paths:
        return False
    person_paths = Membership.objects.filter(user_id=person.pk, is_active=True).values_list(
        "org__path", flat=True
    )
    return any(pp.startswith(p) for pp in person_paths for p in paths)


def holders_over(org: Organisation, roles: Iterable[str]) -> QuerySet[Any]:
    """The people who hold one of `roles` at `org` or above it: whom to notify about `org`."""
    from qingshe.accounts.models import User

    chain = [*org.ancestor_ids(), org.pk]
    members = Membership.objects.filter(org_id__in=chain, role__in=list(roles), is_active=True)
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True)


def can(user: Any, action: str, obj: Any) -> bool:
    """May `user` do `action` ("org.view", "person.view_id_number", …) on `obj`?"""
    if action in ORG_ACTIONS:
        return can_org(user, action, obj)
    if action in PERSON_ACTIONS:
        return can_person(user, action, obj)
    if action == "admin.access":
        return is_platform_staff(user) or bool(getattr(user, "is_staff", False))
    if action.startswith("care."):
        return care_can(user, action, obj)
    raise KeyError(f"unknown action {action!r}")


# --- care (issue 10): beneficiaries and one-to-one help -----------------------------------------
# The rule (assigned helpers while assigned, the supervisor, the community's care role; admins
# counts only; platform staff no exception) is written once in qingshe.care.visibility, which
# keeps its own model of assignments and care roles. Every care page, endpoint and service asks
# through these functions.
def care_can(user: Any, action: str, obj: Any) -> bool:
    from qingshe.care import visibility

    return visibility.can(user, action, obj)


def care_beneficiaries_q(user: Any) -> Q:
    from qingshe.care import visibility

    return visibility.beneficiaries_q(user)


def care_relationships_q(user: Any, prefix: str = "") -> Q:
    from qingshe.care import visibility

    return visibility.relationships_q(user, prefix)

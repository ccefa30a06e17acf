"""Reads of the organisation tree that depend on who asks. Outsiders get NotFound, never data."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.orgs.models import Membership, Organisation, Post


def org_list_for_user(
    *, user: Any, q: str = "", kind: str = "", parent_id: int | None = None
) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(access.orgs_visible_q(user))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs.order_by("path")


def org_get_for_user(*, user: Any, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).select_related("parent").first()
    if org is None or not access.can(user, "org.view", org):
        raise NotFound("not_found", _("No such organisation."))
    return org


def org_children_for_user(*, user: Any, org: Organisation) -> QuerySet[Organisation]:
    return org_list_for_user(user=user, parent_id=org.pk).order_by("kind", "name")


def org_ancestors(*, org: Organisation) -> list[Organisation]:
    """Root first. Only shown for an organisation the user may see, whose ancestors they may too."""
    by_id = Organisation.objects.in_bulk(org.ancestor_ids())
    return [by_id[i] for i in org.ancestor_ids() if i in by_id]


def org_members_for_user(*, user: Any, org: Organisation, role: str = "") -> QuerySet[Membership]:
    """People with a role directly in `org`. Needs the right to see members; else NotFound."""
    if not access.can(user, "org.view_members", org):
        raise NotFound("not_found", _("No such organisation."))
    qs = Membership.objects.filter(org=org, is_active=True).select_related("user")
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("role", "user__name", "pk")


def org_posts_for_user(*, user: Any, org: Organisation) -> QuerySet[Post]:
    if not access.can(user, "org.view_members", org):
        return Post.objects.none()
    return Post.objects.filter(org=org).select_related("user").order_by("-start_date", "pk")


def org_member_counts(*, orgs: list[Organisation]) -> dict[int, int]:
    from django.db.models import Count

    rows = (
        Membership.objects.filter(org__in=orgs, is_active=True)
        .values("org_id")
        .annotate(n=Count("user_id", distinct=True))
    )
    return {r["org_id"]: r["n"] for r in rows}


# --- Pages (issue item 7): home-page panels ------------------------------------------------------
# Added by the pages work; each read is a constant number of queries.
def orgs_looked_after_by(*, user: Any) -> list[tuple[Organisation, int]]:
    """The organisations where `user` holds a steward role, with their active member counts."""
    ids = sorted({g.org_id for g in access.grants(user) if g.role in access.STEWARD_ROLES})
    if not ids:
        return []
    orgs = list(Organisation.objects.filter(pk__in=ids).order_by("path"))
    counts = org_member_counts(orgs=orgs)
    return [(o, counts.get(o.pk, 0)) for o in orgs]


def posts_ending_for_user(*, user: Any, within_days: int = 30) -> QuerySet[Post]:
    """Concurrent posts in the subtrees `user` looks after whose term ends within `within_days`."""
    from datetime import timedelta

    from django.utils import timezone

    if not access.has_role(user, access.STEWARD_ROLES) and not access.is_platform_staff(user):
        return Post.objects.none()
    today = timezone.localdate()
    return (
        Post.objects.filter(
            access.subtree_q(user, access.STEWARD_ROLES, prefix="org__"),
            end_date__gte=today,
            end_date__lte=today + timedelta(days=within_days),
        )
        .select_related("user", "org")
        .order_by("end_date", "pk")
    )


def communities_of_staff(*, user: Any) -> list[tuple[Organisation, int]]:
    """The organisations where `user` is community staff, with the number of residents in each
    one's subtree (one query for all of them)."""
    from django.db.models import Count

    from qingshe.orgs.models import Role

    grants = [g for g in access.grants(user) if g.role == Role.COMMUNITY_STAFF]
    if not grants:
        return []
    orgs = list(Organisation.objects.filter(pk__in=[g.org_id for g in grants]).order_by("path"))
    counts = Membership.objects.filter(role=Role.RESIDENT, is_active=True).aggregate(
        **{
            f"c{o.pk}": Count("user_id", distinct=True, filter=Q(org__path__startswith=o.path))
            for o in orgs
        }
    )
    return [(o, counts[f"c{o.pk}"] or 0) for o in orgs]


def posts_held_in(*, orgs: list[Organisation]) -> QuerySet[Post]:
    """Posts currently held in these organisations' subtrees (for the people who run them)."""
    from django.utils import timezone

    if not orgs:
        return Post.objects.none()
    today = timezone.localdate()
    q = Q()
    for o in orgs:
        q |= Q(org__path__startswith=o.path)
    return (
        Post.objects.filter(q, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("user", "org")
        .order_by("org__path", "-start_date", "pk")
    )


# --- added for the API (GET /me): a person's own memberships and posts ----------------------------
# No scoping: callers pass the person who asks (their own record).
def memberships_of(*, person: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=person.pk, is_active=True)
        .select_related("org")
        .order_by("org__path", "role")
    )


def posts_of(*, person: Any) -> QuerySet[Post]:
    return (
        Post.objects.filter(user_id=person.pk).select_related("org").order_by("-start_date", "pk")
    )

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

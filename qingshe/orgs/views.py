"""Organisation pages: the tree with search, and one organisation's page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from qingshe.accounts.selectors import phone_for_viewer, visible_person_ids
from qingshe.core import access
from qingshe.core.exports import services as exports
from qingshe.core.htmx import get_or_404, paginate, render_page
from qingshe.lib.ids import mask_phone
from qingshe.orgs import selectors
from qingshe.orgs.models import Organisation

# Above this many organisations only the first levels start unfolded.
OPEN_ALL_BELOW = 40
SEARCH_LIMIT = 100


@dataclass
class Node:
    org: Organisation
    members: int = 0
    children: list[Node] = field(default_factory=list)


def build_tree(orgs: list[Organisation], counts: dict[int, int]) -> list[Node]:
    """Nest organisations (ordered by path) under their nearest visible ancestor."""
    nodes = {o.pk: Node(org=o, members=counts.get(o.pk, 0)) for o in orgs}
    roots: list[Node] = []
    for o in orgs:
        parent = nodes.get(o.parent_id) if o.parent_id else None
        (parent.children if parent else roots).append(nodes[o.pk])
    return roots


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:60]
    qs = selectors.org_list_for_user(user=request.user, q=q)
    if q:
        results = list(qs.select_related("parent")[: SEARCH_LIMIT + 1])
        roots: list[Node] = []
        total = 0
        counts = selectors.org_member_counts(orgs=results[:SEARCH_LIMIT])
    else:
        results = []
        orgs = list(qs)
        total = len(orgs)
        counts = selectors.org_member_counts(orgs=orgs)
        roots = build_tree(orgs, counts)
    context = {
        "q": q,
        "roots": roots,
        "results": results[:SEARCH_LIMIT],
        "truncated": len(results) > SEARCH_LIMIT,
        "counts": counts,
        "open_all": total < OPEN_ALL_BELOW,
        "open_depth": 2,
    }
    return render_page(request, "orgs/tree.html", context, partial="results")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_or_404(selectors.org_get_for_user, user=request.user, org_id=pk)
    can_members = access.can(request.user, "org.view_members", org)
    can_manage = access.can(request.user, "org.manage", org)
    members_page = None
    rows: list[dict[str, Any]] = []
    if can_members and exports.requested(request):
        return exports.respond(
            request, "orgs.members", selectors.org_members_for_user(user=request.user, org=org)
        )
    if can_members:
        members_page = paginate(request, selectors.org_members_for_user(user=request.user, org=org))
        linkable = visible_person_ids(user=request.user, ids=[m.user_id for m in members_page])
        rows = [
            {
                "membership": m,
                "person": m.user,
                "phone": phone_for_viewer(viewer=request.user, person=m.user, in_list=True),
                "linkable": m.user_id in linkable,
            }
            for m in members_page
        ]
    context = {
        "org": org,
        "ancestors": selectors.org_ancestors(org=org),
        "children": list(selectors.org_children_for_user(user=request.user, org=org)),
        "contact_phone": org.contact_phone if can_manage else mask_phone(org.contact_phone),
        "can_members": can_members,
        "members_page": members_page,
        "rows": rows,
        "posts": list(selectors.org_posts_for_user(user=request.user, org=org))
        if can_members
        else [],
    }
    return render_page(request, "orgs/detail.html", context, partial="members")

"""Home-page panels about the organisations a person looks after."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.orgs import selectors
from qingshe.orgs.models import Role

LIST_LIMIT = 8


def _members(n: int) -> str:
    return ngettext("%(n)d member", "%(n)d members", n) % {"n": n}


@register(order=30)
def orgs_looked_after(user: Any) -> list[Panel]:
    rows = selectors.orgs_looked_after_by(user=user)
    if not rows:
        return []
    return [
        Panel(
            title=_("Organisations you look after"),
            items=[
                PanelItem(
                    text=o.display_name, url=reverse("orgs:detail", args=[o.pk]), badge=_members(n)
                )
                for o, n in rows
            ],
            action_url=reverse("orgs:tree"),
            action_text=_("Organisation tree"),
        )
    ]


@register(order=50)
def posts_ending(user: Any) -> list[Panel]:
    if not access.has_role(user, access.STEWARD_ROLES):
        return []
    qs = selectors.posts_ending_for_user(user=user)
    posts = list(qs[: LIST_LIMIT + 1])
    total = len(posts) if len(posts) <= LIST_LIMIT else qs.count()
    return [
        Panel(
            title=_("Concurrent posts ending within 30 days"),
            items=[
                PanelItem(
                    text=f"{p.user.name} · {p.display_title} · {p.org.display_name}",
                    url=reverse("orgs:detail", args=[p.org_id]),
                    badge=_("until %(date)s")
                    % {"date": date_format(p.end_date, "SHORT_DATE_FORMAT")},
                )
                for p in posts[:LIST_LIMIT]
            ],
            empty_text=_("No concurrent post ends in the next 30 days."),
            total=total,
            tone="attention" if posts else "info",
        )
    ]


@register(order=60)
def my_community(user: Any) -> list[Panel]:
    if not access.has_role(user, {Role.COMMUNITY_STAFF}):
        return []
    rows = selectors.communities_of_staff(user=user)
    qs = selectors.posts_held_in(orgs=[o for o, _n in rows])
    posts = list(qs[: LIST_LIMIT + 1])
    total = len(posts) if len(posts) <= LIST_LIMIT else qs.count()
    items = [
        PanelItem(
            text=_("Residents of %(org)s") % {"org": o.display_name},
            url=reverse("orgs:detail", args=[o.pk]),
            badge=n,
        )
        for o, n in rows
    ]
    return [
        Panel(title=_("My community"), items=items),
        Panel(
            title=_("Posts held in my community"),
            items=[
                PanelItem(
                    text=f"{p.user.name} · {p.display_title}",
                    url=reverse("orgs:detail", args=[p.org_id]),
                    badge=p.org.display_name,
                )
                for p in posts[:LIST_LIMIT]
            ],
            empty_text=_("Nobody holds a concurrent post here at the moment."),
            total=total,
        ),
    ]

"""Home-page panels: applications and pairings waiting for this person, and for league admins
the compliance warnings of their programmes. Each provider makes a bounded number of queries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.orgs.models import Role
from qingshe.programmes import selectors
from qingshe.programmes.models import BranchApplication, Pairing

LIST_LIMIT = 8
# The compliance of this many programmes at most (newest first): each costs a fixed few queries.
COMPLIANCE_PROGRAMMES = 3

APPLICATION_ROLES = {
    Role.BRANCH_SECRETARY,
    Role.DEPARTMENT_ADMIN,
    Role.UNIVERSITY_ADMIN,
    Role.LEAGUE_ADMIN,
}
NEXT_STEP = {
    BranchApplication.State.SUBMITTED: gettext_lazy("to recommend"),
    BranchApplication.State.RECOMMENDED: gettext_lazy("to review"),
    BranchApplication.State.REVIEWED: gettext_lazy("to confirm"),
    BranchApplication.State.RETURNED: gettext_lazy("to revise"),
}


def _first(qs: Any) -> tuple[list[Any], int]:
    rows = list(qs[: LIST_LIMIT + 1])
    total = len(rows) if len(rows) <= LIST_LIMIT else qs.count()
    return rows[:LIST_LIMIT], total


@register(order=25)
def applications_waiting(user: Any) -> list[Panel]:
    if not access.has_role(user, APPLICATION_ROLES):
        return []
    rows, total = _first(selectors.applications_waiting_for(user=user))
    return [
        Panel(
            title=gettext_lazy("Applications waiting for me"),
            items=[
                PanelItem(
                    text=f"{a.branch.display_name} · {a.call.title}",
                    url=reverse("programmes:application", args=[a.pk]),
                    badge=NEXT_STEP.get(a.state, a.get_state_display()),
                )
                for a in rows
            ],
            empty_text=gettext_lazy("No application waits for you."),
            action_url=reverse("programmes:inbox"),
            action_text=gettext_lazy("Open my inbox"),
            total=total,
            tone="attention" if rows else "info",
        )
    ]


@register(order=26)
def pairings_waiting(user: Any) -> list[Panel]:
    roles = (
        access.ORG_ACTIONS["programme.manage"]
        | access.ORG_ACTIONS["pairing.confirm_unit"]
        | access.ORG_ACTIONS["pairing.confirm_community"]
    )
    if not access.has_role(user, roles):
        return []
    rows, total = _first(selectors.pairings_waiting_for(user=user))
    return [
        Panel(
            title=gettext_lazy("Pairings waiting for my confirmation or approval"),
            items=[
                PanelItem(
                    text=f"{p.unit.display_name} ⇄ {p.community.display_name}",
                    url=reverse("programmes:pairing", args=[p.pk]),
                    badge=_("to approve")
                    if p.state == Pairing.State.PROPOSED
                    else _("to confirm the agreement"),
                )
                for p in rows
            ],
            empty_text=gettext_lazy("No pairing waits for you."),
            action_url=reverse("programmes:pairings"),
            action_text=gettext_lazy("All pairings"),
            total=total,
            tone="attention" if rows else "info",
        )
    ]


@register(order=27)
def compliance_warnings(user: Any) -> list[Panel]:
    if not access.has_role(user, access.ORG_ACTIONS["programme.manage"]):
        return []  # the selector would be empty: no query to build
    programmes = list(selectors.programmes_managed_by(user=user)[:COMPLIANCE_PROGRAMMES])
    panels = []
    for programme in programmes:
        result = selectors.compliance_for_user(user=user, programme=programme)
        url = reverse("programmes:compliance", args=[programme.pk])
        month = f"{result.month[0]:04d}-{result.month[1]:02d}"
        below = sum(1 for r in result.departments if not r.met)
        counts = [
            (
                below,
                ngettext("%(n)d department below quota", "%(n)d departments below quota", below),
                url,
            ),
            (
                len(result.late_pairings),
                ngettext(
                    "%(n)d pairing made after the deadline",
                    "%(n)d pairings made after the deadline",
                    len(result.late_pairings),
                ),
                url + "#late-title",
            ),
            (
                len(result.not_started),
                ngettext(
                    "%(n)d pairing not started by the start date",
                    "%(n)d pairings not started by the start date",
                    len(result.not_started),
                ),
                url + "#notstarted-title",
            ),
            (
                len(result.low_frequency),
                ngettext(
                    "%(n)d pairing below the monthly minimum in %(month)s",
                    "%(n)d pairings below the monthly minimum in %(month)s",
                    len(result.low_frequency),
                ),
                url + "#low-title",
            ),
        ]
        items = [
            PanelItem(text=text % {"n": n, "month": month}, url=link)
            for n, text, link in counts
            if n
        ]
        panels.append(
            Panel(
                title=_("Compliance: %(year)s %(name)s")
                % {"year": programme.year, "name": programme.name},
                items=items,
                empty_text=gettext_lazy("No compliance warning: every department meets the quota."),
                action_url=url,
                action_text=gettext_lazy("Open the compliance page"),
                tone="attention" if items else "info",
            )
        )
    return panels

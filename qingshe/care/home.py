"""Home-page panel of the care app: for a supervisor (or the care role) the urgent concerns and
the visits waiting for confirmation; only relationship numbers, no names. Bounded queries; no
panel at all for people without anything in care."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext_lazy

from qingshe.care import selectors
from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.orgs.models import Role

LIST_LIMIT = 8
ROLES = {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.INSTRUCTOR}


@register(order=25)
def care_to_act_on(user: Any) -> list[Panel]:
    if not access.has_role(user, ROLES):
        return []
    concerns = list(selectors.concerns_open_for_user(user=user)[:LIST_LIMIT])
    visits = list(selectors.visits_to_confirm(user=user)[:LIST_LIMIT])
    if not concerns and not visits:
        return []
    items = [
        PanelItem(
            text=gettext_lazy("Concern in help relationship #%(id)s") % {"id": c.relationship_id},
            url=reverse("care:relationship", args=[c.relationship_id]),
            badge=pgettext_lazy("care", "urgent") if c.priority == "urgent" else None,
        )
        for c in concerns
    ] + [
        PanelItem(
            text=f"#{v.relationship_id} · {v.helper.name} · {v.started_at:%Y-%m-%d}",
            url=reverse("care:relationship", args=[v.relationship_id]),
            badge=gettext_lazy("to confirm"),
        )
        for v in visits
    ]
    return [
        Panel(
            title=gettext_lazy("One-to-one help: to act on"),
            items=items[:LIST_LIMIT],
            action_url=reverse("care:index"),
            action_text=gettext_lazy("One-to-one help"),
            tone="attention",
        )
    ]

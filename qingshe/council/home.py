"""Home-page panels of the council: needs waiting for the evaluation panel, and work feedback
forms waiting for the community's confirmation. Each provider makes a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.council import selectors
from qingshe.council.models import FeedbackForm

LIST_LIMIT = 8


def _first(qs: Any) -> tuple[list[Any], int]:
    rows = list(qs[: LIST_LIMIT + 1])
    total = len(rows) if len(rows) <= LIST_LIMIT else qs.count()
    return rows[:LIST_LIMIT], total


@register(order=35)
def needs_to_verify(user: Any) -> list[Panel]:
    if not access.has_role(user, access.ORG_ACTIONS["council.verify"]):
        return []
    rows, total = _first(selectors.to_verify_for_user(user=user))
    return [
        Panel(
            title=gettext_lazy("Waiting for the evaluation panel"),
            items=[
                PanelItem(
                    text=n.title,
                    url=reverse("council:verify", args=[n.pk]),
                    badge=gettext_lazy("to verify"),
                )
                for n in rows
            ],
            empty_text=gettext_lazy("Nothing waits for verification."),
            action_url=reverse("council:home"),
            action_text=gettext_lazy("Youth council"),
            total=total,
            tone="attention" if rows else "info",
        )
    ]


@register(order=36)
def forms_to_confirm(user: Any) -> list[Panel]:
    if not access.has_role(user, access.ORG_ACTIONS["feedback.confirm"]):
        return []
    qs = selectors.feedback_forms_for_user(user=user, state=FeedbackForm.State.SUBMITTED).filter(
        access.subtree_q(
            user, access.ORG_ACTIONS["feedback.confirm"], prefix="pairing__community__"
        )
    )
    rows, total = _first(qs)
    if not rows:
        return []
    return [
        Panel(
            title=gettext_lazy("Work feedback forms to confirm"),
            items=[
                PanelItem(
                    text=f"{f.month:%Y-%m} · {f.pairing.unit.display_name}",
                    url=reverse("council:feedback", args=[f.pk]),
                    badge=gettext_lazy("to confirm"),
                )
                for f in rows
            ],
            action_url=reverse("council:feedback_list"),
            action_text=gettext_lazy("All forms"),
            total=total,
            tone="attention",
        )
    ]

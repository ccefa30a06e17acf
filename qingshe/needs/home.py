"""Home-page panels of project groups: applications waiting for my decision, and my own
applications still waiting. Each provider makes a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.needs import selectors
from qingshe.needs.models import ProjectMember
from qingshe.orgs.models import Role

LIST_LIMIT = 8


def _first(qs: Any) -> tuple[list[Any], int]:
    rows = list(qs[: LIST_LIMIT + 1])
    total = len(rows) if len(rows) <= LIST_LIMIT else qs.count()
    return rows[:LIST_LIMIT], total


@register(order=30)
def project_applications_waiting(user: Any) -> list[Panel]:
    # Deciders are the owner's secretaries and admins, instructors and group leaders; a student
    # who leads a group is a student, so every one of these roles may have something waiting.
    if not access.has_role(user, access.ORG_ACTIONS["project.decide"] | {Role.INSTRUCTOR, Role.STUDENT}):
        return []
    rows, total = _first(selectors.applications_waiting_for(user=user))
    if not rows and not access.has_role(user, access.ORG_ACTIONS["project.decide"] | {Role.INSTRUCTOR}):
        return []  # a student who leads no group: no empty panel
    return [
        Panel(
            title=gettext_lazy("Applications to join project groups waiting for me"),
            items=[
                PanelItem(
                    text=f"{m.user.name} · {m.group.name}",
                    url=reverse("projects:detail", args=[m.group_id]) + "#waiting-title",
                    badge=gettext_lazy("to decide"),
                )
                for m in rows
            ],
            empty_text=gettext_lazy("No application to a project group waits for you."),
            action_url=reverse("projects:list"),
            action_text=gettext_lazy("All project groups"),
            total=total,
            tone="attention" if rows else "info",
        )
    ]


@register(order=31)
def my_project_applications(user: Any) -> list[Panel]:
    if not access.has_role(user, access.ORG_ACTIONS["project.join"]):
        return []
    rows, total = _first(selectors.my_applications(user=user, state=ProjectMember.State.APPLIED))
    return [
        Panel(
            title=gettext_lazy("My applications to project groups"),
            items=[
                PanelItem(
                    text=m.group.name,
                    url=reverse("projects:detail", args=[m.group_id]),
                    badge=m.get_state_display(),
                )
                for m in rows
            ],
            empty_text=gettext_lazy("No application of yours is waiting. Find a group to join."),
            action_url=reverse("projects:list"),
            action_text=gettext_lazy("Find a project group"),
            total=total,
        )
    ]

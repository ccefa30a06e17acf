"""Home-page panels of project groups: applications waiting for my decision, and my own
applications still waiting. Each provider makes a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register, url, url_maker
from qingshe.needs import selectors
from qingshe.needs.models import DispatchPlan, NeedAssignment, ProjectMember
from qingshe.needs.selectors.dispatch import dispatch_plans_for_user, offers_for_user
from qingshe.needs.selectors.needs import my_needs, needs_waiting_for, state_label
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
    if not access.has_role(
        user, access.ORG_ACTIONS["project.decide"] | {Role.INSTRUCTOR, Role.STUDENT}
    ):
        return []
    deciding_roles = access.ORG_ACTIONS["project.decide"] | {Role.INSTRUCTOR}
    # A student: only a group they instruct or lead can have applications for them.
    if (
        not access.has_role(user, deciding_roles)
        and not access.is_platform_staff(user)
        and not selectors.may_decide_as_leader_or_instructor(user=user)
    ):
        return []  # a student who leads no group: no empty panel
    # Only the three columns the panel shows (values() drops the selector's select_related).
    rows, total = _first(
        selectors.applications_waiting_for(user=user).values(
            "group_id", "group__name", "user__name"
        )
    )
    if not rows and not access.has_role(user, deciding_roles):
        return []  # a student who leads no group: no empty panel
    detail, to_decide = url_maker("projects:detail"), gettext_lazy("to decide")
    return [
        Panel(
            title=gettext_lazy("Applications to join project groups waiting for me"),
            items=[
                PanelItem(
                    text=f"{m['user__name']} · {m['group__name']}",
                    url=detail(m["group_id"]) + "#waiting-title",
                    badge=to_decide,
                )
                for m in rows
            ],
            empty_text=gettext_lazy("No application to a project group waits for you."),
            action_url=url("projects:list"),
            action_text=gettext_lazy("All project groups"),
            total=total,
            tone="attention" if rows else "info",
        )
    ]


@register(order=31)
def my_project_applications(user: Any) -> list[Panel]:
    if not access.has_role(user, access.ORG_ACTIONS["project.join"]):
        return []
    rows, total = _first(
        selectors.my_applications(user=user, state=ProjectMember.State.APPLIED).values(
            "group_id", "group__name", "state"
        )
    )
    detail = url_maker("projects:detail")
    labels = dict(ProjectMember._meta.get_field("state").flatchoices)
    return [
        Panel(
            title=gettext_lazy("My applications to project groups"),
            items=[
                PanelItem(
                    text=m["group__name"],
                    url=detail(m["group_id"]),
                    badge=str(labels.get(m["state"], m["state"])),
                )
                for m in rows
            ],
            empty_text=gettext_lazy("No application of yours is waiting. Find a group to join."),
            action_url=url("projects:list"),
            action_text=gettext_lazy("Find a project group"),
            total=total,
        )
    ]


@register(order=33)
def bounties_and_resources(user: Any) -> list[Panel]:
    """University and department admins: bounties open to take up in their city, and those they
    have taken up still being carried out; partner contacts: their unit's resources."""
    panels: list[Panel] = []
    if access.has_role(user, access.ORG_ACTIONS["bounty.claim"]):
        rows, total = _first(selectors.open_bounties_for(user=user))
        panels.append(
            Panel(
                title=gettext_lazy("Bounties open to take up (揭榜挂帅)"),
                items=[
                    PanelItem(
                        text=f"{n.title} · {n.community.display_name}",
                        url=reverse("resources:bounty", args=[n.pk]),
                        badge=n.get_work_kind_display(),
                    )
                    for n in rows
                ],
                empty_text=gettext_lazy("No bounty is open to take up."),
                action_url=reverse("resources:bounties"),
                action_text=gettext_lazy("The bounty board"),
                total=total,
                tone="attention" if rows else "info",
            )
        )
    if access.has_role(user, {Role.PARTNER_CONTACT}):
        rows, total = _first(selectors.resource_list_for_user(user=user, mine=True, state=""))
        panels.append(
            Panel(
                title=gettext_lazy("Our resources on the resource list"),
                items=[
                    PanelItem(
                        text=f"{r.title} · {r.owner.display_name}",
                        url=reverse("resources:detail", args=[r.pk]),
                        badge=r.get_state_display()
                        if r.state != "available"
                        else r.get_kind_display(),
                    )
                    for r in rows
                ],
                empty_text=gettext_lazy(
                    "Your unit offers nothing yet: venues, goods, money, skills or internships."
                ),
                action_url=reverse("resources:create"),
                action_text=gettext_lazy("Offer a resource"),
                total=total,
            )
        )
    return panels


@register(order=25)
def needs_to_act_on(user: Any) -> list[Panel]:
    """Community staff: needs waiting for triage; staff and the panel: needs reported done
    waiting for verification; residents: their own orders (and the needs they follow)."""
    panels: list[Panel] = []
    triage_roles = access.ORG_ACTIONS["need.triage"]
    verify_roles = access.ORG_ACTIONS["need.verify"]
    if access.has_role(user, triage_roles | verify_roles):
        waiting = needs_waiting_for(user=user)
        if access.has_role(user, triage_roles):
            rows, total = _first(waiting["triage"])
            panels.append(
                Panel(
                    title=gettext_lazy("Needs waiting for triage"),
                    items=[
                        PanelItem(
                            text=f"{n.title} · {n.community.display_name}",
                            url=reverse("needs:detail", args=[n.pk]),
                            badge=(
                                n.get_urgency_display() if n.urgency else gettext_lazy("to triage")
                            ),
                        )
                        for n in rows
                    ],
                    empty_text=gettext_lazy("No need waits for triage."),
                    action_url=reverse("needs:board") + "?state=submitted",
                    action_text=gettext_lazy("The need board"),
                    total=total,
                    tone="attention" if rows else "info",
                )
            )
        rows, total = _first(waiting["verify"])
        panels.append(
            Panel(
                title=gettext_lazy("Reported done, waiting for verification"),
                items=[
                    PanelItem(
                        text=f"{n.title} · {n.community.display_name}",
                        url=reverse("needs:detail", args=[n.pk]) + "#verify-title",
                        badge=gettext_lazy("to verify"),
                    )
                    for n in rows
                ],
                empty_text=gettext_lazy("Nothing waits for verification."),
                action_url=reverse("needs:board") + "?state=claimed_done",
                action_text=gettext_lazy("The need board"),
                total=total,
                tone="attention" if rows else "info",
            )
        )
    if access.has_role(user, {Role.RESIDENT}):
        rows, total = _first(my_needs(user=user))
        panels.append(
            Panel(
                title=gettext_lazy("My orders"),
                items=[
                    PanelItem(
                        text=n.title,
                        url=reverse("needs:detail", args=[n.pk]),
                        badge=state_label(n.state),
                    )
                    for n in rows
                ],
                empty_text=gettext_lazy("You have not ordered any service yet."),
                action_url=reverse("needs:order"),
                action_text=gettext_lazy("Order a service"),
                total=total,
            )
        )
    return panels


@register(order=24)
def dispatch_panels(user: Any) -> list[Panel]:
    """Students: offers waiting for their answer (派单), with a way to needs open to claim.
    Dispatchers: their plans not applied yet. Two queries per panel at most."""
    panels: list[Panel] = []
    if access.has_role(user, {Role.STUDENT}):
        waiting = offers_for_user(user=user, states=(NeedAssignment.State.OFFERED,)).filter(
            Q(starts_at__gt=timezone.now())
        )
        # Only the columns the panel shows (values() drops the selector's select_related).
        rows, total = _first(waiting.values("pk", "need__title", "starts_at"))
        offers_url, to_answer = url("dispatch:offers"), gettext_lazy("to answer")
        panels.append(
            Panel(
                title=gettext_lazy("Offers waiting for my answer"),
                items=[
                    PanelItem(
                        text=f"{a['need__title']} · {timezone.localtime(a['starts_at']):%m-%d %H:%M}",
                        url=f"{offers_url}#offer-{a['pk']}",
                        badge=to_answer,
                    )
                    for a in rows
                ],
                empty_text=gettext_lazy(
                    "No offer waits for you. Needs open to claim are on the claims page."
                ),
                action_url=offers_url if rows else url("dispatch:claims"),
                action_text=(
                    gettext_lazy("My offers") if rows else gettext_lazy("Needs open to claim")
                ),
                total=total,
                tone="attention" if rows else "info",
            )
        )
    if access.has_role(user, access.ORG_ACTIONS["need.dispatch"]):
        rows, total = _first(dispatch_plans_for_user(user=user, state=DispatchPlan.State.PROPOSED))
        panels.append(
            Panel(
                title=gettext_lazy("Dispatch plans to apply"),
                items=[
                    PanelItem(
                        text=f"#{p.pk} · {p.scope.display_name} · {timezone.localtime(p.horizon_start):%m-%d}",
                        url=reverse("dispatch:detail", args=[p.pk]),
                        badge=gettext_lazy("to apply"),
                    )
                    for p in rows
                ],
                empty_text=gettext_lazy(
                    "No plan waits. Make one to dispatch the needs that are short of people."
                ),
                action_url=reverse("dispatch:new"),
                action_text=gettext_lazy("Make a plan"),
                total=total,
                tone="attention" if rows else "info",
            )
        )
    return panels

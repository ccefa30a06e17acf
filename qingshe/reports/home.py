"""Home-page panels of typical cases: for a league committee the cases waiting for its review; for
a department's league admins their cases returned for changes and the count against the quota of
each open programme. Each provider makes a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.orgs.models import Role
from qingshe.reports import selectors
from qingshe.reports.models import TypicalCase

LIST_LIMIT = 8


@register(order=28)
def cases_to_review(user: Any) -> list[Panel]:
    if not access.has_role(user, [Role.LEAGUE_ADMIN]):
        return []
    qs = selectors.cases_to_review(user=user)
    rows = list(qs[: LIST_LIMIT + 1])
    total = len(rows) if len(rows) <= LIST_LIMIT else qs.count()
    return [
        Panel(
            title=gettext_lazy("Typical cases waiting for review"),
            items=[
                PanelItem(
                    text=f"{c.title} · {c.department.display_name}",
                    url=reverse("reports:detail", args=[c.pk]),
                    badge=c.submitted_at.date().isoformat() if c.submitted_at else None,
                )
                for c in rows[:LIST_LIMIT]
            ],
            empty_text=gettext_lazy("No typical case waits for review."),
            action_url=reverse("reports:inbox"),
            action_text=gettext_lazy("Open the review inbox"),
            total=total,
            tone="attention" if rows else "info",
        )
    ]


@register(order=29)
def department_cases(user: Any) -> list[Panel]:
    if not access.has_role(user, [Role.DEPARTMENT_ADMIN]):
        return []
    quotas = selectors.department_quotas(user=user)
    if not quotas:
        return []
    returned = list(
        selectors.case_list_for_user(
            user=user, filters=selectors.CaseFilters(state=TypicalCase.State.RETURNED)
        )[:LIST_LIMIT]
    )
    items = [
        PanelItem(
            text=_("Returned for changes: %(title)s") % {"title": c.title},
            url=reverse("reports:edit", args=[c.pk]),
            badge=_("to revise"),
        )
        for c in returned
    ]
    several = len({q.department.pk for q in quotas}) > 1
    for q in quotas:
        text = _("%(year)s %(name)s: %(n)d of %(m)d typical cases") % {
            "year": q.programme.year,
            "name": q.programme.name,
            "n": q.counted,
            "m": q.required,
        }
        if several:
            text = f"{q.department.display_name} · {text}"
        items.append(
            PanelItem(
                text=text,
                url=reverse("reports:list") + f"?programme={q.programme.pk}",
                badge=_("met") if q.met else _("%(n)d to go") % {"n": q.required - q.counted},
            )
        )
    attention = bool(returned) or any(not q.met for q in quotas)
    return [
        Panel(
            title=gettext_lazy("My department's typical cases"),
            items=items,
            action_url=reverse("reports:new"),
            action_text=gettext_lazy("Submit a case"),
            tone="attention" if attention else "info",
        )
    ]

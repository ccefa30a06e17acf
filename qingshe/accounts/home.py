"""Home-page panels about the person's own record and the people a steward looks after."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qingshe.accounts import selectors, services
from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.core.home import url as home_url
from qingshe.orgs.models import Role

LIST_LIMIT = 8

GAP_LABELS = {
    selectors.PROFILE_GAP_NO_PROFILE: _("No student profile yet"),
    selectors.PROFILE_GAP_NO_SKILLS: _("No skills entered"),
    selectors.PROFILE_GAP_NO_TIMETABLE: _("Weekly timetable is empty"),
}


@register(order=10)
def notice_consent(user: Any) -> list[Panel]:
    if services.has_current_consent(user):
        return []
    url = home_url("accounts:consent")
    return [
        Panel(
            title=_("Personal information notice"),
            items=[
                PanelItem(
                    text=_(
                        "Please read and agree to the personal information notice (version %(version)s)."
                    )
                    % {"version": settings.QINGSHE_NOTICE_VERSION},
                    url=url,
                )
            ],
            action_url=url,
            action_text=_("Read the notice"),
            tone="attention",
        )
    ]


@register(order=20)
def own_student_profile(user: Any) -> list[Panel]:
    if not access.has_role(user, {Role.STUDENT}):
        return []
    gaps = selectors.own_profile_gaps(user=user)
    url = home_url("accounts:me_edit")
    return [
        Panel(
            title=_("My student profile"),
            items=[PanelItem(text=GAP_LABELS[g], url=url) for g in gaps],
            empty_text=_(
                "Your profile is complete: skills and timetable help match you to suitable tasks."
            ),
            action_url=url,
            action_text=_("Edit my profile"),
            tone="attention" if gaps else "info",
        )
    ]


@register(order=40)
def stewarded_people(user: Any) -> list[Panel]:
    if not access.has_role(user, access.STEWARD_ROLES):
        return []
    incomplete_qs = selectors.students_with_incomplete_profile_for_user(user=user)
    incomplete = list(incomplete_qs[: LIST_LIMIT + 1])
    incomplete_total = len(incomplete) if len(incomplete) <= LIST_LIMIT else incomplete_qs.count()
    minors_qs = selectors.minors_without_guardian_consent_for_user(user=user)
    minors = list(minors_qs[: LIST_LIMIT + 1])
    minors_total = len(minors) if len(minors) <= LIST_LIMIT else minors_qs.count()

    def gaps(p: Any) -> str:
        if not p.has_profile:
            return str(GAP_LABELS[selectors.PROFILE_GAP_NO_PROFILE])
        missing = []
        if not p.has_skills:
            missing.append(str(_("skills")))
        if not p.has_timetable:
            missing.append(str(_("timetable")))
        return str(_("missing: %(what)s") % {"what": "、".join(missing)})

    def person_url(p: Any) -> str:
        return reverse("accounts:person", args=[p.pk])

    return [
        Panel(
            title=_("Student profiles to complete"),
            items=[
                PanelItem(text=p.name, url=person_url(p), badge=gaps(p))
                for p in incomplete[:LIST_LIMIT]
            ],
            empty_text=_("Every student you look after has a complete profile."),
            total=incomplete_total,
            tone="attention" if incomplete else "info",
        ),
        Panel(
            title=_("Minors without a guardian's consent"),
            items=[
                PanelItem(text=p.name, url=person_url(p), badge=_("under 18"))
                for p in minors[:LIST_LIMIT]
            ],
            empty_text=_("No minor is missing a guardian's consent."),
            total=minors_total,
            tone="attention" if minors else "info",
        ),
    ]

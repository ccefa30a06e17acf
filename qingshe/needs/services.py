"""Writes of needs. Issue 5 adds triage, dispatch, claiming, completion and verification."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.models import Skill
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, ValidationFailed
from qingshe.needs.models import Need, ProjectType, ServiceField, WorkKind
from qingshe.orgs.models import Organisation, OrgKind, Role

INTAKE_ROLES = {Role.RESIDENT, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}


@transaction.atomic
def need_submit(
    *,
    actor: Any,
    community: Organisation,
    title: str,
    project_type: str,
    service_field: str,
    work_kind: str = WorkKind.LABOUR,
    description: str = "",
    skills: list[str] | None = None,
    majors: list[str] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    people_needed: int = 1,
    is_remote: bool = False,
    is_bounty: bool = False,
    address: str = "",
) -> Need:
    """A resident orders a service (点单), or community staff post a need or a bounty (发榜)."""
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationFailed("invalid_community", _("A need belongs to a community."), field="community")
    if not access.holds_over(actor, community, INTAKE_ROLES) and not access.is_platform_staff(actor):
        raise AccessDenied("forbidden", _("Only residents and staff of this community can post its needs."))
    if is_bounty and not access.holds_over(actor, community, {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}):
        raise AccessDenied("forbidden", _("Only community staff can post a bounty."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please say briefly what is needed."), field="title")
    for value, choices, field in (
        (project_type, ProjectType, "project_type"),
        (service_field, ServiceField, "service_field"),
        (work_kind, WorkKind, "work_kind"),
    ):
        if value not in choices.values:
            raise ValidationFailed("invalid_choice", _("Choose one of the listed options."), field=field)
    if not 1 <= int(people_needed) <= 500:
        raise ValidationFailed("invalid_people", _("Between 1 and 500 people can be asked for."), field="people_needed")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed("invalid_dates", _("The need ends before it starts."), field="ends_on")
    if ends_on and ends_on < timezone.localdate():
        raise ValidationFailed("date_in_past", _("The dates are already past."), field="ends_on")
    need = Need.objects.create(
        community=community,
        reporter=actor if access.holds_over(actor, community, {Role.RESIDENT}) else None,
        entered_by=actor,
        title=title,
        description=description.strip(),
        project_type=project_type,
        service_field=service_field,
        work_kind=work_kind,
        majors=sorted({m.strip() for m in majors or [] if m.strip()}),
        starts_on=starts_on,
        ends_on=ends_on,
        people_needed=int(people_needed),
        is_remote=is_remote,
        is_bounty=is_bounty,
        address=address.strip(),
        lat=community.lat,
        lng=community.lng,
    )
    names = sorted({s.strip() for s in skills or [] if s.strip()})
    if names:
        for name in names:
            Skill.objects.get_or_create(name=name)
        need.skills.set(Skill.objects.filter(name__in=names))
    audit(actor=actor, action="need.submit", obj=need, org=community, data={"bounty": is_bounty})
    return need

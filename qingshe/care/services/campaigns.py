"""Seasonal care campaigns (Spring Festival visits, 七彩假期 holiday classes, book drives): the
list of households to visit, the volunteers assigned to each, and what was given."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qingshe.care.models import Beneficiary, Campaign, CampaignHousehold, CampaignKind
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.orgs.models import Organisation


@transaction.atomic
def campaign_create(
    *, actor: Any, community: Organisation, kind: str, title: str, starts_on: date, ends_on: date
) -> Campaign:
    if not access.can(actor, "care.campaign.manage", community):
        raise AccessDenied(
            "forbidden", _("Only the community's staff with the care role run care campaigns.")
        )
    if kind not in CampaignKind.values:
        raise ValidationFailed("invalid_kind", _("Choose the kind of campaign."), field="kind")
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Enter the campaign's title."), field="title")
    if ends_on < starts_on:
        raise ValidationFailed(
            "invalid_period", _("The campaign must end after it starts."), field="ends_on"
        )
    campaign = Campaign.objects.create(
        community=community,
        kind=kind,
        title=title[:80],
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    audit(actor=actor, action="care.campaign.create", obj=campaign, org=community)
    return campaign


@transaction.atomic
def household_add(
    *, actor: Any, campaign: Campaign, beneficiary: Beneficiary, volunteers: Sequence[Any]
) -> CampaignHousehold:
    if not access.can(actor, "care.campaign.manage", campaign.community):
        raise AccessDenied(
            "forbidden", _("Only the community's staff with the care role run care campaigns.")
        )
    if beneficiary.community_id != campaign.community_id:
        raise ValidationFailed(
            "other_community",
            _("Choose a beneficiary of the campaign's community."),
            field="beneficiary",
        )
    if not volunteers:
        raise ValidationFailed(
            "volunteers_required", _("Assign at least one volunteer."), field="volunteers"
        )
    if CampaignHousehold.objects.filter(campaign=campaign, beneficiary=beneficiary).exists():
        raise Conflict("household_listed", _("This household is already on the list."))
    household = CampaignHousehold.objects.create(campaign=campaign, beneficiary=beneficiary)
    household.volunteers.set(volunteers)
    audit(
        actor=actor,
        action="care.household.add",
        obj=household,
        org=campaign.community,
        data={"volunteers": [v.pk for v in volunteers]},
    )
    notify(
        users=volunteers,
        kind="care.campaign",
        title=lambda: _("You are assigned a household in %(title)s") % {"title": campaign.title},
        url=f"/care/campaigns/{campaign.pk}/",
    )
    return household


@transaction.atomic
def household_record(
    *, actor: Any, household: CampaignHousehold, given: str, visited_on: date
) -> CampaignHousehold:
    """An assigned volunteer (or the care role) records the visit and what was given."""
    household = (
        CampaignHousehold.objects.select_for_update(of=("self",))
        .select_related("campaign__community")
        .get(pk=household.pk)
    )
    assigned = household.volunteers.filter(pk=actor.pk).exists()
    if not assigned and not access.can(actor, "care.campaign.manage", household.campaign.community):
        raise NotFound("not_found", _("No such household."))
    given = (given or "").strip()
    if not given:
        raise ValidationFailed("given_required", _("Say what was given."), field="given")
    campaign = household.campaign
    if not campaign.starts_on <= visited_on <= campaign.ends_on:
        raise ValidationFailed(
            "outside_campaign", _("The visit date is outside the campaign."), field="visited_on"
        )
    household.given, household.visited_on = given[:200], visited_on
    household.save(update_fields=["given", "visited_on"])
    audit(actor=actor, action="care.household.record", obj=household, org=campaign.community)
    return household

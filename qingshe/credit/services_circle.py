"""Every write of the partner circle (公益伙伴圈) and of crowdfunding (众筹).

Partner units apply to join; a league admin of the committee applied to approves, which creates
the partner organisation under the committee (orgs.services.org_create) and makes the applicant
its contact (membership_grant), or turns the application down with a reason.

A project group opens a campaign with a goal and a deadline; anyone in the city pledges money or
support in kind (recorded only: nothing is paid through the platform); the group's instructor
marks a pledge received when it has arrived.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.credit.models import Campaign, PartnerApplication, Pledge
from qingshe.credit.services_rewards import city_ids_of
from qingshe.lib import ids
from qingshe.orgs.models import Organisation, OrgKind, Role

COMMITTEE_KINDS = (OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE)
MAX_MONEY = Decimal("9999999999.99")
MAX_CAMPAIGN_DAYS = 366


def _text(value: str, field: str, limit: int, *, required: str | None = None) -> str:
    value = (value or "").strip()
    if required is not None and not value:
        raise ValidationFailed(f"{field}_required", required, field=field)
    if len(value) > limit:
        raise ValidationFailed(
            "too_long", _("At most %(n)s characters.") % {"n": limit}, field=field
        )
    return value


def _phone(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        raise ValidationFailed(
            "phone_required", _("Please give a contact phone."), field="contact_phone"
        )
    try:
        return ids.normalize_phone(raw)
    except ids.IdentifierError:
        if raw.replace("-", "").isdigit() and 7 <= len(raw) <= 20:
            return raw  # an office landline
        raise ValidationFailed(
            "invalid_phone",
            _("Enter a mobile number or an office landline."),
            field="contact_phone",
        ) from None


def money(value: Any, field: str = "amount") -> Decimal:
    """A positive amount of yuan with at most two decimals."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "invalid_amount", _("Enter an amount in yuan."), field=field
        ) from None
    if not amount.is_finite():
        raise ValidationFailed("invalid_amount", _("Enter an amount in yuan."), field=field)
    if amount <= 0:
        raise ValidationFailed(
            "amount_not_positive", _("The amount must be more than zero."), field=field
        )
    if amount > MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(
            "invalid_amount",
            _("Enter an amount below ten billion yuan with at most two decimals."),
            field=field,
        )
    return amount


# --- the partner circle -------------------------------------------------------------------------
@transaction.atomic
def partner_apply(
    *,
    actor: Any,
    committee: Organisation,
    name: str,
    contact_name: str,
    contact_phone: str,
    offers: str,
    short_name: str = "",
    address: str = "",
    description: str = "",
) -> PartnerApplication:
    """A unit asks to join the partner circle of a city or district league committee."""
    if committee.kind not in COMMITTEE_KINDS:
        raise ValidationFailed(
            "invalid_committee",
            _("Apply to a city or district league committee."),
            field="committee",
        )
    name = _text(name, "name", 120, required=_("Please enter the unit's full name."))
    fields = {
        "short_name": _text(short_name, "short_name", 40),
        "contact_name": _text(
            contact_name, "contact_name", 40, required=_("Please name a contact person.")
        ),
        "contact_phone": _phone(contact_phone),
        "address": _text(address, "address", 200),
        "description": _text(description, "description", 2000),
        "offers": _text(offers, "offers", 2000, required=_("Please say what the unit can offer.")),
    }
    if Organisation.objects.filter(parent=committee, name=name).exists():
        raise Conflict(
            "already_partner", _("A unit of this name is already in the circle."), field="name"
        )
    if PartnerApplication.objects.filter(
        committee=committee, name=name, state=PartnerApplication.State.PENDING
    ).exists():
        raise Conflict(
            "already_applied",
            _("This unit's application is already waiting for a decision."),
            field="name",
        )
    application = PartnerApplication.objects.create(
        applicant=actor, committee=committee, name=name, **fields
    )
    audit(actor=actor, action="partner.apply", obj=application, org=committee)
    notify(
        users=access.holders_over(committee, {Role.LEAGUE_ADMIN}),
        kind="credit.partner_application",
        title=lambda: _("%(name)s asks to join the partner circle") % {"name": application.name},
        url="/credit/partners/applications/",
    )
    return application


@transaction.atomic
def partner_decide(
    *, actor: Any, application: PartnerApplication, approve: bool, note: str = ""
) -> PartnerApplication:
    from qingshe.orgs.services import membership_grant, org_create

    application = (
        PartnerApplication.objects.select_for_update(of=("self",))
        .select_related("committee", "applicant")
        .get(pk=application.pk)
    )
    if not access.can(actor, "org.manage", application.committee):
        raise NotFound("not_found", _("No such application."))
    if application.state != PartnerApplication.State.PENDING:
        raise Conflict("already_decided", _("This application has already been decided."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(
            "reason_required", _("Say why the application is turned down."), field="note"
        )
    if approve:
        partner = org_create(
            actor=actor,
            kind=OrgKind.PARTNER,
            name=application.name,
            parent=application.committee,
            short_name=application.short_name,
            address=application.address,
            contact_name=application.contact_name,
            contact_phone=application.contact_phone,
            description=application.description or application.offers,
        )
        membership_grant(
            actor=actor, user=application.applicant, org=partner, role=Role.PARTNER_CONTACT
        )
        application.partner = partner
    application.state = (
        PartnerApplication.State.APPROVED if approve else PartnerApplication.State.REJECTED
    )
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_note = note[:200]
    application.save()
    audit(
        actor=actor,
        action=f"partner.{application.state}",
        obj=application,
        org=application.committee,
    )
    notify(
        users=[application.applicant],
        kind=f"credit.partner_{application.state}",
        title=lambda: (
            (
                _("%(name)s has joined the partner circle")
                if approve
                else _("The application of %(name)s was turned down")
            )
            % {"name": application.name}
        ),
        body=note,
        url=f"/credit/partners/{application.partner_id}/" if approve else "/credit/partners/join/",
    )
    return application


# --- crowdfunding -------------------------------------------------------------------------------
def can_run_campaign(user: Any, group: Any) -> bool:
    """Those who run the project group: its owner's secretary and admins, instructor, leader."""
    from qingshe.needs.services.projects import can_decide

    return can_decide(user, group)


@transaction.atomic
def campaign_open(
    *,
    actor: Any,
    group: Any,
    title: str,
    description: str,
    goal: Any,
    deadline: date | None,
    in_kind_wanted: str = "",
) -> Campaign:
    if not can_run_campaign(actor, group):
        raise AccessDenied(
            "forbidden", _("Only those who run the project group open its campaigns.")
        )
    if group.state != group.State.OPEN:
        raise Conflict("group_closed", _("This project group is closed."))
    title = _text(title, "title", 80, required=_("Please give the campaign a title."))
    description = _text(description, "description", 4000, required=_("Say what the money is for."))
    goal_amount = money(goal, "goal")
    today = timezone.localdate()
    if deadline is None or deadline < today:
        raise ValidationFailed(
            "invalid_deadline", _("The deadline is today or later."), field="deadline"
        )
    if (deadline - today).days > MAX_CAMPAIGN_DAYS:
        raise ValidationFailed(
            "deadline_too_far", _("A campaign runs for at most a year."), field="deadline"
        )
    if Campaign.objects.filter(group=group, state=Campaign.State.OPEN).exists():
        raise Conflict("campaign_open", _("This group already has an open campaign."))
    campaign = Campaign.objects.create(
        group=group,
        city_id=group.owner.city_id,
        title=title,
        description=description,
        goal=goal_amount,
        in_kind_wanted=_text(in_kind_wanted, "in_kind_wanted", 200),
        deadline=deadline,
        opened_by=actor,
    )
    audit(
        actor=actor,
        action="campaign.open",
        obj=campaign,
        org=group.owner,
        data={"goal": str(goal_amount)},
    )
    return campaign


@transaction.atomic
def campaign_close(*, actor: Any, campaign: Campaign) -> Campaign:
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("group__owner")
        .get(pk=campaign.pk)
    )
    if not can_run_campaign(actor, campaign.group):
        raise AccessDenied(
            "forbidden", _("Only those who run the project group close its campaigns.")
        )
    if campaign.state == Campaign.State.CLOSED:
        raise Conflict("already_closed", _("This campaign is already closed."))
    campaign.state, campaign.closed_at = Campaign.State.CLOSED, timezone.now()
    campaign.save(update_fields=["state", "closed_at", "updated_at"])
    audit(actor=actor, action="campaign.close", obj=campaign, org=campaign.group.owner)
    return campaign


@transaction.atomic
def pledge_make(
    *,
    actor: Any,
    campaign: Campaign,
    kind: str,
    amount: Any,
    description: str = "",
    partner: Organisation | None = None,
    note: str = "",
) -> Pledge:
    """Pledge money, or support in kind with what it is worth, to an open campaign of one's city;
    a partner's contact may pledge on the unit's behalf."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("group__owner", "group__instructor")
        .get(pk=campaign.pk)
    )
    if campaign.city_id not in city_ids_of(actor) and not access.is_platform_staff(actor):
        raise NotFound("not_found", _("No such campaign."))
    if campaign.state != Campaign.State.OPEN or campaign.deadline < timezone.localdate():
        raise Conflict("campaign_closed", _("This campaign no longer takes pledges."))
    if kind not in Pledge.Kind.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    value = money(amount)
    description = _text(description, "description", 200)
    if kind == Pledge.Kind.IN_KIND and not description:
        raise ValidationFailed(
            "description_required", _("Say what you give in kind."), field="description"
        )
    if partner is not None and (
        partner.kind != OrgKind.PARTNER or not access.can(actor, "resource.manage", partner)
    ):
        raise AccessDenied("forbidden", _("You may pledge only for a partner unit you represent."))
    pledge = Pledge.objects.create(
        campaign=campaign,
        kind=kind,
        amount=value,
        description=description,
        pledger=actor,
        partner=partner,
        note=_text(note, "note", 200),
    )
    audit(
        actor=actor,
        action="pledge.make",
        obj=pledge,
        org=campaign.group.owner,
        data={"kind": kind, "amount": str(value), "partner": partner.pk if partner else None},
    )
    if campaign.group.instructor is not None:
        notify(
            users=[campaign.group.instructor],
            kind="credit.pledge",
            title=lambda: (
                _("New pledge to %(title)s: %(amount)s yuan")
                % {"title": campaign.title, "amount": value}
            ),
            url=f"/credit/campaigns/{campaign.pk}/",
        )
    return pledge


@transaction.atomic
def pledge_receive(*, actor: Any, pledge: Pledge) -> Pledge:
    """The project's instructor confirms that the money or the goods have arrived."""
    pledge = (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("campaign__group__owner", "pledger")
        .get(pk=pledge.pk)
    )
    group = pledge.campaign.group
    if not (group.instructor_id == actor.pk or access.is_platform_staff(actor)):
        if can_run_campaign(actor, group):
            raise AccessDenied(
                "forbidden", _("Only the project's instructor marks a pledge received.")
            )
        raise NotFound("not_found", _("No such pledge."))
    if pledge.state == Pledge.State.RECEIVED:
        raise Conflict("already_received", _("This pledge is already marked received."))
    if pledge.state == Pledge.State.WITHDRAWN:
        raise Conflict("withdrawn", _("This pledge was withdrawn."))
    pledge.state, pledge.received_at, pledge.received_by = (
        Pledge.State.RECEIVED,
        timezone.now(),
        actor,
    )
    pledge.save(update_fields=["state", "received_at", "received_by", "updated_at"])
    audit(
        actor=actor,
        action="pledge.receive",
        obj=pledge,
        org=group.owner,
        data={"amount": str(pledge.amount)},
    )
    notify(
        users=[pledge.pledger],
        kind="credit.pledge_received",
        title=lambda: _("%(group)s received your support. Thank you!") % {"group": group.name},
        url=f"/credit/campaigns/{pledge.campaign_id}/",
    )
    return pledge


@transaction.atomic
def pledge_withdraw(*, actor: Any, pledge: Pledge) -> Pledge:
    pledge = (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("campaign__group__owner")
        .get(pk=pledge.pk)
    )
    if pledge.pledger_id != actor.pk:
        raise NotFound("not_found", _("No such pledge."))
    if pledge.state != Pledge.State.PLEDGED:
        raise Conflict("not_withdrawable", _("Only a pledge not yet received can be withdrawn."))
    pledge.state = Pledge.State.WITHDRAWN
    pledge.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action="pledge.withdraw", obj=pledge, org=pledge.campaign.group.owner)
    return pledge

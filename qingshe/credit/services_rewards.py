"""Every write of rewards and redemptions (积分兑换).

A redemption locks the person's points account first (as every points transfer does), then the
reward's row; it takes one from the stock with a conditional UPDATE (stock >= 1) and moves the
price to the partner's reward account through services_points._post. The database refuses a
negative stock and a negative balance as well, so that no interleaving can oversell: of 100
people redeeming the last item at once exactly one succeeds. Cancelling gives both back.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.credit.models import PointsTransfer, Redemption, Reward, TransferKind
from qingshe.credit.services_points import _post, partner_account, person_account
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

# No 0/O, 1/I/L: read aloud or typed from a phone without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_PRICE = 100_000
MAX_STOCK = 100_000
MAX_LIMIT = 100


def new_code() -> str:
    return "DH" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def can_manage_rewards(user: Any, partner: Organisation) -> bool:
    """The partner's contacts and the admins above it (who manage its resources)."""
    return access.can(user, "resource.manage", partner)


def city_ids_of(user: Any) -> set[int]:
    """The cities (roots of the tree) a person belongs to through their memberships."""
    return {
        int(path.strip("/").split("/")[0])
        for path in Membership.objects.filter(user_id=user.pk, is_active=True).values_list(
            "org__path", flat=True
        )
    }


def _whole(value: Any, field: str, low: int, high: int, message: str) -> int:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value() or not low <= number <= high:
        raise ValidationFailed(f"invalid_{field}", message, field=field)
    return int(number)


def _clean(
    *,
    kind: str,
    title: str,
    price: Any,
    per_person_limit: Any,
    valid_from: date | None,
    valid_until: date | None,
) -> dict[str, Any]:
    if kind not in Reward.Kind.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please name the reward."), field="title")
    if len(title) > 80:
        raise ValidationFailed(
            "title_too_long", _("A title has at most 80 characters."), field="title"
        )
    price_n = _whole(
        price,
        "price",
        1,
        MAX_PRICE,
        _("The price is a whole number of points from 1 to %(n)s.") % {"n": MAX_PRICE},
    )
    limit = _whole(
        per_person_limit,
        "per_person_limit",
        1,
        MAX_LIMIT,
        _("Each person may redeem it 1 to %(n)s times.") % {"n": MAX_LIMIT},
    )
    if valid_from is None or valid_until is None:
        raise ValidationFailed(
            "dates_required", _("Say from when until when it can be redeemed."), field="valid_until"
        )
    if valid_until < valid_from:
        raise ValidationFailed(
            "invalid_dates",
            _("The reward stops being redeemable before it starts."),
            field="valid_until",
        )
    return {
        "kind": kind,
        "title": title,
        "price": price_n,
        "per_person_limit": limit,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


@transaction.atomic
def reward_create(
    *,
    actor: Any,
    partner: Organisation,
    kind: str,
    title: str,
    price: Any,
    stock: Any,
    valid_from: date | None,
    valid_until: date | None,
    per_person_limit: Any = 1,
    description: str = "",
    where: str = "",
    resource: Any = None,
) -> Reward:
    """A partner unit puts up a reward for points (goods, a service, tickets)."""
    if partner.kind != OrgKind.PARTNER:
        raise ValidationFailed(
            "not_a_partner", _("Rewards are offered by partner units."), field="partner"
        )
    if not can_manage_rewards(actor, partner):
        raise AccessDenied(
            "forbidden", _("Only the unit's contacts and admins can offer its rewards.")
        )
    fields = _clean(
        kind=kind,
        title=title,
        price=price,
        per_person_limit=per_person_limit,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if fields["valid_until"] < timezone.localdate():
        raise ValidationFailed(
            "date_in_past", _("The redemption period has already ended."), field="valid_until"
        )
    stock_n = _whole(stock, "stock", 1, MAX_STOCK, _("Put up 1 to %(n)s of it.") % {"n": MAX_STOCK})
    if resource is not None and resource.owner_id != partner.pk:
        raise ValidationFailed(
            "invalid_resource", _("Choose one of the unit's own resources."), field="resource"
        )
    reward = Reward.objects.create(
        partner=partner,
        city_id=partner.city_id,
        resource=resource,
        description=(description or "").strip(),
        where=(where or partner.address or "").strip()[:200],
        stock=stock_n,
        stock_total=stock_n,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    audit(
        actor=actor,
        action="reward.create",
        obj=reward,
        org=partner,
        data={"price": reward.price, "stock": stock_n},
    )
    return reward


@transaction.atomic
def reward_restock(*, actor: Any, reward: Reward, add: Any) -> Reward:
    reward = (
        Reward.objects.select_for_update(of=("self",)).select_related("partner").get(pk=reward.pk)
    )
    if not can_manage_rewards(actor, reward.partner):
        raise NotFound("not_found", _("No such reward."))
    n = _whole(add, "add", 1, MAX_STOCK, _("Add 1 to %(n)s.") % {"n": MAX_STOCK})
    Reward.objects.filter(pk=reward.pk).update(
        stock=F("stock") + n, stock_total=F("stock_total") + n
    )
    reward.refresh_from_db()
    audit(actor=actor, action="reward.restock", obj=reward, org=reward.partner, data={"add": n})
    return reward


@transaction.atomic
def reward_withdraw(*, actor: Any, reward: Reward) -> Reward:
    """No more redemptions; codes already issued can still be handed over or cancelled."""
    reward = (
        Reward.objects.select_for_update(of=("self",)).select_related("partner").get(pk=reward.pk)
    )
    if not can_manage_rewards(actor, reward.partner):
        raise NotFound("not_found", _("No such reward."))
    if reward.state == Reward.State.WITHDRAWN:
        raise Conflict("already_withdrawn", _("This reward is already withdrawn."))
    reward.state = Reward.State.WITHDRAWN
    reward.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action="reward.withdraw", obj=reward, org=reward.partner)
    return reward


def _partner_contacts(partner: Organisation) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        pk__in=Membership.objects.filter(
            org=partner, role=Role.PARTNER_CONTACT, is_active=True
        ).values("user_id"),
        is_active=True,
    )


@transaction.atomic
def reward_redeem(*, actor: Any, reward: Reward) -> Redemption:
    """Spend points on a reward: a redemption code to show the partner. Refused, with nothing
    written, when the reward is not (or no longer) redeemable, of another city, sold out, beyond
    the per-person limit, or when the points are not enough."""
    person = person_account(actor.pk, lock=True)
    reward = (
        Reward.objects.select_for_update(of=("self",))
        .select_related("partner", "city")
        .get(pk=reward.pk)
    )
    if reward.state != Reward.State.LISTED:
        raise Conflict("withdrawn", _("This reward has been withdrawn by the partner."))
    today = timezone.localdate()
    if today < reward.valid_from:
        raise Conflict(
            "not_yet_valid",
            _("This reward can be redeemed from %(date)s.")
            % {"date": reward.valid_from.isoformat()},
        )
    if today > reward.valid_until:
        raise Conflict(
            "expired",
            _("This reward could be redeemed until %(date)s; it is no longer valid.")
            % {"date": reward.valid_until.isoformat()},
        )
    if reward.city_id not in city_ids_of(actor):
        raise AccessDenied(
            "other_city",
            _("This reward is offered in %(city)s: you can redeem rewards of your own city only.")
            % {"city": reward.city.short_name or reward.city.name},
        )
    taken = Redemption.objects.filter(
        reward=reward, user_id=actor.pk, state__in=Redemption.LIVE_STATES
    ).count()
    if taken >= reward.per_person_limit:
        raise Conflict(
            "limit_reached",
            _("Each person may redeem this reward %(n)s time(s); you already have.")
            % {"n": reward.per_person_limit},
        )
    if person.balance < reward.price:
        raise Conflict(
            "not_enough_points",
            _("This reward costs %(price)s points; you have %(balance)s.")
            % {"price": reward.price, "balance": person.balance},
        )
    if not Reward.objects.filter(pk=reward.pk, stock__gte=1).update(stock=F("stock") - 1):
        raise Conflict("out_of_stock", _("Sold out: there is none left."))
    redemption = Redemption.objects.create(
        reward=reward, user_id=actor.pk, code=new_code(), points=reward.price
    )
    _post(
        key=f"redeem:{redemption.pk}",
        kind=TransferKind.REDEMPTION,
        person=person,
        other=partner_account(reward.partner),
        to_person=-reward.price,
        reason=lambda: _("Redeemed: %(title)s") % {"title": reward.title},
        actor=actor,
        redemption=redemption,
    )
    audit(
        actor=actor,
        action="reward.redeem",
        obj=redemption,
        org=reward.partner,
        data={"reward": reward.pk, "points": reward.price},
    )
    notify(
        users=_partner_contacts(reward.partner),
        kind="credit.redeemed",
        title=lambda: (
            _("%(title)s was redeemed (code %(code)s)")
            % {"title": reward.title, "code": redemption.code}
        ),
        url=f"/credit/redemptions/{redemption.code}/",
    )
    return redemption


def _lock_redemption(redemption: Redemption) -> tuple[Any, Redemption]:
    person = person_account(redemption.user_id, lock=True)
    locked = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward__partner", "user")
        .get(pk=redemption.pk)
    )
    return person, locked


@transaction.atomic
def redemption_hand_over(*, actor: Any, redemption: Redemption) -> Redemption:
    """The partner hands the reward over and marks the code used."""
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward__partner", "user")
        .get(pk=redemption.pk)
    )
    if not can_manage_rewards(actor, redemption.reward.partner):
        raise NotFound("not_found", _("No such redemption code."))
    if redemption.state == Redemption.State.HANDED_OVER:
        raise Conflict(
            "already_handed_over",
            _("This code was already used on %(date)s.")
            % {"date": timezone.localtime(redemption.handed_over_at).strftime("%Y-%m-%d %H:%M")},
        )
    if redemption.state == Redemption.State.CANCELLED:
        raise Conflict("cancelled", _("This redemption was cancelled; its points were returned."))
    redemption.state = Redemption.State.HANDED_OVER
    redemption.handed_over_at, redemption.handed_over_by = timezone.now(), actor
    redemption.save(update_fields=["state", "handed_over_at", "handed_over_by", "updated_at"])
    audit(actor=actor, action="redemption.hand_over", obj=redemption, org=redemption.reward.partner)
    notify(
        users=[redemption.user],
        kind="credit.handed_over",
        title=lambda: _("You received %(title)s") % {"title": redemption.reward.title},
        url=f"/credit/redemptions/{redemption.code}/",
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: Any, redemption: Redemption, reason: str = "") -> Redemption:
    """Cancel a code not yet used: the points go back to the person, the item back to the stock.
    The person cancels their own; the partner may cancel with a reason."""
    person, redemption = _lock_redemption(redemption)
    partner = redemption.reward.partner
    own = redemption.user_id == actor.pk
    manager = can_manage_rewards(actor, partner)
    if not own and not manager:
        raise NotFound("not_found", _("No such redemption code."))
    reason = (reason or "").strip()
    if not own and not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    if redemption.state == Redemption.State.HANDED_OVER:
        raise Conflict(
            "already_handed_over", _("The reward was handed over; it can no longer be cancelled.")
        )
    if redemption.state == Redemption.State.CANCELLED:
        raise Conflict("already_cancelled", _("This redemption is already cancelled."))
    paid = PointsTransfer.objects.get(key=f"redeem:{redemption.pk}")
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    redemption.state = Redemption.State.CANCELLED
    redemption.cancelled_at, redemption.cancelled_by = timezone.now(), actor
    redemption.cancel_reason = reason[:200]
    redemption.save(
        update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"]
    )
    _post(
        key=f"cancel:{redemption.pk}",
        kind=TransferKind.CANCELLATION,
        person=person,
        other=partner_account(partner),
        to_person=redemption.points,
        reason=lambda: (
            _("Redemption cancelled: %(title)s") % {"title": redemption.reward.title}
            + (f" ({reason[:100]})" if reason else "")
        ),
        actor=actor,
        redemption=redemption,
        reverses=paid,
    )
    audit(
        actor=actor,
        action="redemption.cancel",
        obj=redemption,
        org=partner,
        data={"points": redemption.points, "by": "person" if own else "partner"},
    )
    if not own:
        notify(
            users=[redemption.user],
            kind="credit.redemption_cancelled",
            title=lambda: (
                _("Your redemption of %(title)s was cancelled; the points are back")
                % {"title": redemption.reward.title}
            ),
            body=reason,
            url="/credit/redemptions/",
        )
    return redemption

"""Partners' rewards (积分兑换) and their redemptions.

A reward's `stock` is what is left; `stock_total` is what was ever put up. Every live
(issued or handed-over) redemption took one from the stock, so stock + live redemptions =
stock_total at all times, which `qingshe check-ledgers` checks. The database refuses a negative
stock; the service takes one with a conditional UPDATE under the reward's row lock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


class Reward(TimeStampedModel):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERVICE = "service", _("Service")
        TICKET = "ticket", _("Ticket")

    class State(models.TextChoices):
        LISTED = "listed", _("Listed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    partner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    # The root of the partner's tree: rewards are redeemed within their city.
    city = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    resource = models.ForeignKey(
        "needs.Resource",
        verbose_name=_("from the resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rewards",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.GOODS)
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    where = models.CharField(_("where to collect it"), max_length=200, blank=True)
    price = models.PositiveIntegerField(_("price in points"))
    stock = models.PositiveIntegerField(_("in stock"))
    stock_total = models.PositiveIntegerField(_("put up in all"))
    per_person_limit = models.PositiveSmallIntegerField(_("at most per person"), default=1)
    valid_from = models.DateField(_("redeemable from"))
    valid_until = models.DateField(_("redeemable until"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.LISTED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["price", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="reward_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(stock__lte=F("stock_total")), name="reward_stock_within_total"
            ),
            models.CheckConstraint(
                condition=Q(per_person_limit__gte=1), name="reward_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="reward_validity_ordered"
            ),
        ]
        indexes = [models.Index(fields=["city", "state", "valid_until"])]

    def __str__(self) -> str:
        return self.title


class Redemption(TimeStampedModel):
    class State(models.TextChoices):
        ISSUED = "issued", _("To collect")
        HANDED_OVER = "handed_over", _("Handed over")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE_STATES = (State.ISSUED, State.HANDED_OVER)

    reward = models.ForeignKey(
        Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="redemptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    code = models.CharField(_("redemption code"), max_length=20, unique=True)
    points = models.PositiveIntegerField(_("points paid"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.ISSUED, db_index=True
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "reward", "state"])]

    def __str__(self) -> str:
        return self.code

"""The points ledger (志愿积分): double-entry and append-only.

Every movement of points is a PointsTransfer between accounts, written as PointsEntry lines
whose amounts sum to zero: an award moves points from an issuing account (a programme's, or a
league committee's default) to a person's account; a redemption moves them from the person to
the partner's reward account; a cancellation or a correction is a reversing transfer. Rows are
written only by credit.services_points and never updated or deleted. An account's `balance` is
the sum of its entries, cached by the same service in the same transaction and checked by
`qingshe check-ledgers`; a person's (and a partner's) balance can never go below zero, which the
database enforces too. A transfer's `key` names its source (the hours ledger entry, the need,
the commendation, the redemption): unique, so that no source pays twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    PERSON = "person", _("Person")
    ISSUER = "issuer", _("Issuing account")
    PARTNER = "partner", _("Partner's reward account")


class PointsAccount(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=AccountKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    balance = models.BigIntegerField(_("balance"), default=0)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(kind="person"), name="points_one_account_per_person"
            ),
            models.UniqueConstraint(
                fields=["org"], condition=Q(kind="partner"), name="points_one_account_per_partner"
            ),
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(kind="issuer", programme__isnull=True),
                name="points_one_default_issuer_per_org",
            ),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(kind="issuer", programme__isnull=False),
                name="points_one_issuer_per_programme",
            ),
            models.CheckConstraint(
                condition=(Q(kind="person", user__isnull=False, org__isnull=True))
                | (Q(kind="partner", user__isnull=True, org__isnull=False))
                | (Q(kind="issuer", user__isnull=True, org__isnull=False)),
                name="points_account_owner_fits_kind",
            ),
            # Only an issuing account goes below zero: it is where points come from.
            models.CheckConstraint(
                condition=Q(kind="issuer") | Q(balance__gte=0), name="points_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        owner = self.user or self.programme or self.org
        return f"{self.get_kind_display()} · {owner}"


class RuleKind(models.TextChoices):
    PER_HOUR = "per_hour", _("Points per confirmed hour")
    PER_NEED = "per_need", _("Points per completed need")
    COMMENDATION = "commendation", _("Bonus for a commendation")


class PointsRule(models.Model):
    """An earning rule: data, changed by the league committee. A change retires the rule and
    writes its successor (`replaces`), so every award keeps naming the rule it was paid by.
    A rule per hour may cap the hours counted per activity and day (`cap_hours`). Rules of a
    programme apply to its activities; a committee's rules without a programme are the
    default for activities in its subtree that belong to no programme with rules."""

    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("league committee"),
        on_delete=models.PROTECT,
        related_name="points_rules",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_rules",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=80)
    points = models.PositiveIntegerField(_("points"))
    cap_hours = models.DecimalField(
        _("hours counted per activity and day at most"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty: every confirmed hour counts."),
    )
    active_from = models.DateField(_("for service from"))
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["owner_id", "programme_id", "kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind"],
                condition=Q(programme__isnull=True, retired_at__isnull=True),
                name="points_one_live_default_rule",
            ),
            models.UniqueConstraint(
                fields=["programme", "kind"],
                condition=Q(programme__isnull=False, retired_at__isnull=True),
                name="points_one_live_programme_rule",
            ),
            models.CheckConstraint(condition=Q(points__gte=1), name="points_rule_pays_positive"),
            models.CheckConstraint(
                condition=Q(cap_hours__isnull=True) | Q(cap_hours__gt=0, kind="per_hour"),
                name="points_rule_cap_positive_per_hour",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TransferKind(models.TextChoices):
    AWARD_HOURS = "award_hours", _("Points for confirmed hours")
    AWARD_NEED = "award_need", _("Points for a completed need")
    AWARD_COMMENDATION = "award_commendation", _("Bonus for a commendation")
    REVERSAL = "reversal", _("Reversal after a correction")
    REDEMPTION = "redemption", _("Redeemed for a reward")
    CANCELLATION = "cancellation", _("Redemption cancelled")


class PointsTransfer(models.Model):
    key = models.CharField(_("source"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices)
    amount = models.PositiveIntegerField(_("points"))
    # A reversal takes back what is left when the points were already spent: the rest.
    shortfall = models.PositiveIntegerField(_("could not be taken back"), default=0)
    rule = models.ForeignKey(
        PointsRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    hours_entry = models.ForeignKey(
        "credit.LedgerEntry",
        verbose_name=_("hours ledger entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_transfers",
    )
    hours_counted = models.DecimalField(
        _("hours counted"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    activity = models.ForeignKey(
        "duty.Activity",
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_transfers",
    )
    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_transfers",
    )
    commendation = models.ForeignKey(
        "credit.Commendation",
        verbose_name=_("commendation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_transfers",
    )
    redemption = models.ForeignKey(
        "credit.Redemption",
        verbose_name=_("redemption"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_transfers",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    reason = models.CharField(_("reason"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points transfer")
        verbose_name_plural = _("points transfers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Only a reversal may move nothing (everything it should take back was spent).
            models.CheckConstraint(
                condition=Q(amount__gte=1) | Q(kind="reversal"), name="points_transfer_moves"
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False),
                name="points_reversal_names_its_transfer",
            ),
        ]
        indexes = [models.Index(fields=["activity", "kind"])]

    def __str__(self) -> str:
        return f"{self.key} · {self.amount}"


class PointsEntry(models.Model):
    """One line of a transfer on one account; `balance_after` is the account's running total."""

    transfer = models.ForeignKey(
        PointsTransfer, verbose_name=_("transfer"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        PointsAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines"
    )
    amount = models.BigIntegerField(_("points"))
    balance_after = models.BigIntegerField(_("balance after"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["account", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="points_entry_one_line_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d}"

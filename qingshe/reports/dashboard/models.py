"""Rollups of the dashboards: rebuilt from the records by dashboard.refresh only, never typed in.

Every row is denormalised to each organisation the fact belongs to and to all their ancestors, so
that a dashboard reads its own organisation's rows and never walks a subtree:

- MonthFigure: additive figures of one organisation in one local month;
- ActiveMember: who was involved (a volunteer or a team) in which months of a five-year block, as
  a bitmask,
  so that "distinct volunteers over a period" is one indexed scan, not a count over raw rows;
- OpenNeedCohort: open needs by the local day they were received (their age), as of the refresh;
- PairingMonth: events held under each pairing per month (idle pairings);
- QuotaFigure: quota coverage of a programme (branches and students taking part), per organisation;
- MonthlySnapshot: the figures of a published month, frozen so that they never change afterwards.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthFigure(models.Model):
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the local month."))
    hours = models.DecimalField(
        _("hours confirmed"), max_digits=14, decimal_places=1, default=Decimal("0")
    )
    events = models.PositiveIntegerField(_("events held"), default=0)
    resident_visits = models.PositiveIntegerField(_("residents served"), default=0)
    needs_received = models.PositiveIntegerField(_("needs received"), default=0)
    needs_labour = models.PositiveIntegerField(_("labour needs received"), default=0)
    needs_skilled = models.PositiveIntegerField(_("skilled needs received"), default=0)
    needs_solved = models.PositiveIntegerField(_("needs solved"), default=0)
    points_issued = models.BigIntegerField(_("points issued"), default=0)
    points_redeemed = models.BigIntegerField(_("points redeemed"), default=0)
    volunteers = models.PositiveIntegerField(_("volunteers in the month"), default=0)

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="dash_month_figure_once")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m}"


class ActiveMember(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        TEAM = "team", _("Team")

    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    member_id = models.BigIntegerField(_("person or team"))
    # Five-year block of months from 2000 (periods.month_block): one row per person and block, so
    # that the people involved over a period of months are counted without DISTINCT.
    block = models.PositiveSmallIntegerField(_("block of five years"))
    months = models.BigIntegerField(_("months involved"), default=0)
    # A volunteer's major (supply side of the gap); blank for teams and people without one.
    major = models.CharField(_("major"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("person or team involved")
        verbose_name_plural = _("people and teams involved")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "kind", "block", "member_id"], name="dash_active_block_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.kind} {self.member_id} {self.block}"


class OpenNeedCohort(models.Model):
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))
    count = models.PositiveIntegerField(_("open needs"))

    class Meta:
        verbose_name = _("open needs by age")
        verbose_name_plural = _("open needs by age")
        constraints = [
            models.UniqueConstraint(fields=["org", "received_on"], name="dash_open_cohort_once")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.received_on} {self.count}"


class MajorDemand(models.Model):
    """Majors that the skilled needs received in a month ask for (demand side of the gap)."""

    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("month"))
    major = models.CharField(_("major"), max_length=60)
    needs = models.PositiveIntegerField(_("needs asking for it"))

    class Meta:
        verbose_name = _("major asked for")
        verbose_name_plural = _("majors asked for")
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "major"], name="dash_major_demand_once")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} {self.major}"


class PairingMonth(models.Model):
    pairing = models.ForeignKey(
        "programmes.Pairing", verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    events = models.PositiveIntegerField(_("events held"))

    class Meta:
        verbose_name = _("events of a pairing in a month")
        verbose_name_plural = _("events of pairings by month")
        constraints = [
            models.UniqueConstraint(fields=["pairing", "month"], name="dash_pairing_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.month:%Y-%m}"


class QuotaFigure(models.Model):
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    branches_total = models.PositiveIntegerField(_("branches"))
    branches_in = models.PositiveIntegerField(_("branches taking part"))
    students_total = models.PositiveIntegerField(_("students"))
    students_in = models.PositiveIntegerField(_("students taking part"))

    class Meta:
        verbose_name = _("quota coverage")
        verbose_name_plural = _("quota coverage")
        constraints = [models.UniqueConstraint(fields=["org", "programme"], name="dash_quota_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.programme_id}"


class RollupState(models.Model):
    """One row: when the rollups were last rebuilt and up to which change they include."""

    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    watermark = models.DateTimeField(_("changes included up to"), null=True, blank=True)
    running_since = models.DateTimeField(_("refresh running since"), null=True, blank=True)

    class Meta:
        verbose_name = _("state of the rollups")
        verbose_name_plural = _("state of the rollups")

    def __str__(self) -> str:
        return f"{self.refreshed_at}"


class MonthlySnapshot(models.Model):
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("month"))
    figures = models.JSONField(_("figures"))
    frozen_at = models.DateTimeField(_("frozen at"))

    class Meta:
        verbose_name = _("published month")
        verbose_name_plural = _("published months")
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="dash_snapshot_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m}"

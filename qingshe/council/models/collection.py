"""日收集周汇总月清单: the needs residents raise are collected as they are submitted (a Need), the
week's needs of a community are summarised (WeeklySummary), and the month's list (MonthlyList)
is drawn from the summaries, ranked, and edited by the community's council secretary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


class WeeklySummary(TimeStampedModel):
    """The needs a community collected in one local week (Monday 00:00 Asia/Shanghai onward)."""

    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="weekly_summaries",
    )
    week_start = models.DateField(
        _("week of"), help_text=_("The Monday the week begins (local time).")
    )
    needs = models.ManyToManyField(
        "needs.Need", verbose_name=_("needs"), blank=True, related_name="weekly_summaries"
    )
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("weekly summary")
        verbose_name_plural = _("weekly summaries")
        ordering = ["community", "-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "week_start"], name="council_summary_one_per_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.week_start}"


class MonthlyList(TimeStampedModel):
    """月清单: the month's ranked items of a community; a draft until the secretary finalises it
    for the council's agenda."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Sent to the council")

    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="monthly_lists",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly list")
        verbose_name_plural = _("monthly lists")
        ordering = ["community", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month"], name="council_list_one_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="council_list_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month:%Y-%m}"


class ListItem(models.Model):
    """One need on a monthly list, with its rank and the figures it was ranked by."""

    monthly_list = models.ForeignKey(
        MonthlyList, verbose_name=_("monthly list"), on_delete=models.CASCADE, related_name="items"
    )
    need = models.ForeignKey(
        "needs.Need", verbose_name=_("need"), on_delete=models.PROTECT, related_name="list_items"
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    affected = models.PositiveIntegerField(_("residents affected"), default=1)
    urgency = models.PositiveSmallIntegerField(_("urgency"), default=0)
    age_days = models.PositiveIntegerField(_("days waiting"), default=0)
    included = models.BooleanField(_("on the agenda"), default=True)
    note = models.CharField(_("secretary's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        ordering = ["monthly_list", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["monthly_list", "need"], name="council_item_need_once"),
        ]

    def __str__(self) -> str:
        return f"{self.monthly_list_id}#{self.rank}"

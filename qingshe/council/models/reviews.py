"""月评月考: the monthly work feedback form (工作情况反馈表) of each active pairing, confirmed by
the community (the stamp) or returned; evaluations after activities (self, peer, resident,
community) from which monthly scores are computed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


class FeedbackForm(TimeStampedModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the community")
        CONFIRMED = "confirmed", _("Confirmed")
        RETURNED = "returned", _("Returned")

    pairing = models.ForeignKey(
        "programmes.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="feedback_forms",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SUBMITTED
    )
    activities_held = models.PositiveSmallIntegerField(_("activities held"))
    people_involved = models.PositiveIntegerField(_("people involved"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1, default=Decimal("0"))
    solved = models.TextField(_("what was solved"), blank=True)
    problems = models.TextField(_("problems met"), blank=True)
    next_plan = models.TextField(_("next month's plan"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"))
    is_late = models.BooleanField(_("late"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comments = models.TextField(_("community's comments"), blank=True)

    class Meta:
        verbose_name = _("work feedback form")
        verbose_name_plural = _("work feedback forms")
        ordering = ["-month", "pairing"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "month"], name="council_feedback_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="council_feedback_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.month:%Y-%m}"


class Evaluation(models.Model):
    """One evaluation of a volunteer (subject_user) or a team/branch (subject_org), 1–5."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-evaluation")
        PEER = "peer", _("Peer evaluation")
        RESIDENT = "resident", _("Rating by residents")
        COMMUNITY = "community", _("Rating by the community")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    activity = models.ForeignKey(
        "duty.Activity",
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluations_received",
    )
    subject_org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("branch or team"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="council_evaluation_score_1_5"
            ),
            models.UniqueConstraint(
                fields=["kind", "activity", "subject_user", "evaluator"],
                condition=Q(activity__isnull=False) & Q(subject_user__isnull=False),
                name="council_evaluation_once_per_activity",
            ),
        ]
        indexes = [models.Index(fields=["subject_org", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.score}"

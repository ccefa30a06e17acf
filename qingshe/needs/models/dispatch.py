"""Dispatch (团团派单 — 青年接单): plans proposed by the engine, and the people on each need.

A DispatchPlan is a proposal: its lines can be adjusted by the dispatcher until it is applied.
Applying turns the included lines into NeedAssignment offers in one transaction; a volunteer then
accepts or declines (接单). Claims of open-claim needs (抢单) are NeedAssignments too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class DispatchPlan(TimeStampedModel):
    class State(models.TextChoices):
        # The same words as the plan's state on its card (needs.dispatch.explain.PLAN_STATES).
        PROPOSED = "proposed", pgettext_lazy("dispatch plan", "Proposed")
        APPLIED = "applied", pgettext_lazy("dispatch plan", "Applied")
        DISCARDED = "discarded", pgettext_lazy("dispatch plan", "Discarded")

    scope = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("for"),
        on_delete=models.PROTECT,
        related_name="dispatch_plans",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PROPOSED, db_index=True
    )
    horizon_start = models.DateTimeField(_("from"))
    horizon_end = models.DateTimeField(_("until"))
    weights = models.JSONField(_("score weights"), default=dict)
    objective = models.FloatField(_("total match score"), default=0)
    stats = models.JSONField(_("figures"), default=dict, blank=True)
    # Needs the engine could not fill: [{"need": id, "wanted": n, "filled": n, "causes": [...]}]
    unfilled = models.JSONField(_("left unassigned"), default=list, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch plan")
        verbose_name_plural = _("dispatch plans")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_end__gt=F("horizon_start")),
                name="dispatch_plan_horizon_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.scope}"


class DispatchPlanLine(models.Model):
    """One proposed assignment with the engine's reasons; `included` is the dispatcher's choice."""

    plan = models.ForeignKey(
        DispatchPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="lines"
    )
    need = models.ForeignKey(
        "needs.Need", verbose_name=_("need"), on_delete=models.CASCADE, related_name="+"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    score = models.FloatField(_("match score"))
    reasons = models.JSONField(_("reasons"), default=list)
    included = models.BooleanField(_("included"), default=True)
    added_by_hand = models.BooleanField(_("added by the dispatcher"), default=False)

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        ordering = ["plan", "need", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "need", "volunteer"], name="dispatch_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="dispatch_line_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ← {self.volunteer_id}"


class NeedAssignment(TimeStampedModel):
    """A person on a need: offered by a plan (then accepted or declined), or claimed (抢单)."""

    class Source(models.TextChoices):
        PLAN = "plan", _("Dispatched")
        CLAIM = "claim", _("Claimed")

    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DONE = "done", _("Done")

    LIVE_STATES = (State.OFFERED, State.ACCEPTED)
    # Offers and accepted places hold a volunteer's time and a need's head count.
    HOLDING_STATES = (State.OFFERED, State.ACCEPTED, State.DONE)

    need = models.ForeignKey(
        "needs.Need", verbose_name=_("need"), on_delete=models.CASCADE, related_name="assignments"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="need_assignments",
    )
    source = models.CharField(_("how"), max_length=8, choices=Source.choices)
    plan = models.ForeignKey(
        DispatchPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    score = models.FloatField(_("match score"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OFFERED, db_index=True
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason given"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["need", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "volunteer"],
                condition=Q(state__in=["offered", "accepted", "done"]),
                name="need_assignment_one_live",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="need_assignment_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "state"]),
            models.Index(fields=["need", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ← {self.volunteer_id} ({self.state})"

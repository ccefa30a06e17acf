"""The partner circle (公益伙伴圈: applications to join), crowdfunding for project groups (众筹:
campaigns and pledges, recorded, never paid here) and commendations (表彰)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


class PartnerApplication(TimeStampedModel):
    """A unit asks to join the partner circle; a league committee approves it, which creates the
    partner organisation under the committee and makes the applicant its contact."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Turned down")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="partner_applications",
    )
    committee = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("league committee"),
        on_delete=models.PROTECT,
        related_name="partner_applications",
    )
    name = models.CharField(_("unit's full name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("about the unit"), blank=True)
    offers = models.TextField(_("what the unit can offer"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True)
    partner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("application to the partner circle")
        verbose_name_plural = _("applications to the partner circle")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                condition=Q(state="pending"),
                name="partner_application_one_pending_per_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(TimeStampedModel):
    """A project group's crowdfunding campaign (众筹): a money goal, what it needs in kind, and a
    deadline. Pledges are recorded; no money moves through the platform."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    group = models.ForeignKey(
        "needs.ProjectGroup",
        verbose_name=_("project group"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    city = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("what the money is for"))
    goal = models.DecimalField(_("goal (yuan)"), max_digits=12, decimal_places=2)
    in_kind_wanted = models.CharField(_("support in kind wanted"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.OPEN, db_index=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("crowdfunding campaign")
        verbose_name_plural = _("crowdfunding campaigns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(goal__gt=0), name="campaign_goal_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Pledge(TimeStampedModel):
    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        IN_KIND = "in_kind", _("In kind")

    class State(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        RECEIVED = "received", _("Received")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="pledges"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # Money: the amount in yuan. In kind: what is given and what it is worth (both required).
    amount = models.DecimalField(_("amount or value (yuan)"), max_digits=12, decimal_places=2)
    description = models.CharField(_("what is given"), max_length=200, blank=True)
    pledger = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pledged by"),
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    partner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("on behalf of the partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PLEDGED, db_index=True
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="money") | ~Q(description=""), name="pledge_in_kind_described"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.amount}"


class Commendation(TimeStampedModel):
    """A league committee commends a volunteer or a team (表彰) for a period, from ranked
    figures (kept in `figures` as they were when commended). A person's commendation is
    recorded on their volunteer record as an Award, and may carry bonus points."""

    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("commending committee"),
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    title = models.CharField(_("title of the honour"), max_length=80)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    team = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team_commendations",
    )
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    award = models.OneToOneField(
        "credit.Award",
        verbose_name=_("entry on the record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendation",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="commendation_person_or_team",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="commendation_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["org", "title", "period_start", "period_end", "user"],
                condition=Q(user__isnull=False),
                name="commendation_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["org", "title", "period_start", "period_end", "team"],
                condition=Q(team__isnull=False),
                name="commendation_once_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.user or self.team}"

"""The resource list (资源清单) and bounty claims (揭榜挂帅)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class Resource(TimeStampedModel):
    """What a partner unit or a university offers: a venue, goods, money, skills, internships."""

    class Kind(models.TextChoices):
        VENUE = "venue", _("Venue")
        GOODS = "goods", _("Goods")
        MONEY = "money", _("Money")
        SKILLS = "skills", _("Skills")
        INTERNSHIP = "internship", _("Internships")

    class State(models.TextChoices):
        AVAILABLE = "available", _("Available")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("offered by"),
        on_delete=models.PROTECT,
        related_name="resources",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    quantity = models.DecimalField(
        _("quantity or amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    availability_note = models.CharField(_("when it can be used"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.AVAILABLE, db_index=True
    )
    groups = models.ManyToManyField(
        "needs.ProjectGroup",
        verbose_name=_("project groups using it"),
        blank=True,
        related_name="resources",
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
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_until__gte=F("available_from")),
                name="resource_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="resource_quantity_positive",
            ),
        ]
        indexes = [models.Index(fields=["kind", "state"])]

    def __str__(self) -> str:
        return self.title


class BountyClaim(TimeStampedModel):
    """A university organisation takes up a community's posted bounty (揭榜) and gives it to one
    of its departments or project groups. One live claim per bounty at a time."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Claimed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DONE = "done", _("Carried out")

    need = models.ForeignKey(
        "needs.Need", verbose_name=_("bounty"), on_delete=models.CASCADE, related_name="claims"
    )
    claimant = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("claimed by"),
        on_delete=models.PROTECT,
        related_name="bounty_claims",
    )
    assigned_org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=pgettext_lazy("bounty", "carried out by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bounties_assigned",
    )
    assigned_group = models.ForeignKey(
        "needs.ProjectGroup",
        verbose_name=_("project group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bounties",
    )
    plan = models.TextField(_("how we will do it"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by (person)"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason given"), blank=True)

    class Meta:
        verbose_name = _("bounty claim")
        verbose_name_plural = _("bounty claims")
        ordering = ["need", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"], condition=Q(state="active"), name="bounty_one_active_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claimant} ↔ {self.need}"

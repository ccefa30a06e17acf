"""青年议事会 / 青春议事厅: a meeting takes a finalised monthly list as its agenda and records a
resolution for each item; closing it records the minutes and who attended."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class Meeting(TimeStampedModel):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="council_meetings",
    )
    agenda = models.ForeignKey(
        "council.MonthlyList",
        verbose_name=_("agenda (monthly list)"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    title = models.CharField(_("title"), max_length=120)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendees"),
        blank=True,
        related_name="council_meetings",
    )
    guests = models.PositiveSmallIntegerField(_("other attendees"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Resolution(TimeStampedModel):
    """The council's decision on one list item; the item's need carries it to the end."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", _("Assign")
        REFER = "refer", _("Refer")
        DECLINE = "decline", pgettext_lazy("resolution", "Decline")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="resolutions"
    )
    item = models.OneToOneField(
        "council.ListItem",
        verbose_name=_("list item"),
        on_delete=models.PROTECT,
        related_name="resolution",
    )
    kind = models.CharField(_("decision"), max_length=8, choices=Kind.choices)
    team = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("volunteer team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project_group = models.ForeignKey(
        "needs.ProjectGroup",
        verbose_name=_("project group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pairing = models.ForeignKey(
        "programmes.Pairing",
        verbose_name=_("pairing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refer_to = models.CharField(_("referred to"), max_length=120, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["meeting", "item__rank"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="assign")
                | Q(team__isnull=False)
                | Q(project_group__isnull=False)
                | Q(pairing__isnull=False),
                name="council_assign_has_assignee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.kind}"

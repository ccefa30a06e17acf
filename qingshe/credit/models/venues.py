"""Venues (阵地: reading corner, council hall, gym, studio, screening room) that a community or a
partner shares, and their bookings by activities and project groups.

No two live bookings of a venue overlap. On PostgreSQL the database refuses it with an exclusion
constraint over (venue, [starts_at, ends_at)) using btree_gist; on SQLite a trigger does the same.
Both are created by migration 0002 (outside the model state: SQLite has no exclusion
constraints). The booking service locks the venue's row and checks first, so that people get a
clear message rather than a database error.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


class Venue(TimeStampedModel):
    class Kind(models.TextChoices):
        READING_CORNER = "reading", _("Reading corner")
        COUNCIL_HALL = "council_hall", _("Council hall")
        GYM = "gym", _("Gym")
        STUDIO = "studio", _("Studio")
        SCREENING_ROOM = "screening", _("Screening room")
        OTHER = "other", _("Other room")

    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("offered by"),
        on_delete=models.PROTECT,
        related_name="venues",
    )
    city = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    resource = models.ForeignKey(
        "needs.Resource",
        verbose_name=_("on the resource list as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="venues",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"))
    # [{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}], local time, Monday = 0.
    opening_hours = models.JSONField(_("opening hours"), default=list)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open for booking"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="venue_capacity_positive"),
            models.UniqueConstraint(fields=["owner", "name"], name="venue_unique_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class VenueBooking(TimeStampedModel):
    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.BOOKED, db_index=True
    )
    purpose = models.CharField(_("what for"), max_length=120)
    people = models.PositiveIntegerField(_("people expected"))
    activity = models.ForeignKey(
        "duty.Activity",
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="venue_bookings",
    )
    group = models.ForeignKey(
        "needs.ProjectGroup",
        verbose_name=_("project group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="venue_bookings",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="venue_bookings",
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
        verbose_name = _("venue booking")
        verbose_name_plural = _("venue bookings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="venue_booking_ordered"
            ),
            models.CheckConstraint(condition=Q(people__gte=1), name="venue_booking_people"),
            models.CheckConstraint(
                condition=Q(activity__isnull=False) | Q(group__isnull=False),
                name="venue_booking_for_activity_or_group",
            ),
        ]
        indexes = [models.Index(fields=["venue", "state", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.venue} {self.starts_at:%Y-%m-%d %H:%M}"

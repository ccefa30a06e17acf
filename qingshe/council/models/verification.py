"""青年评议团: the panel's verification of a need reported solved, and the one-tap rating a
resident gives by a signed link (no account needed; each link works once, until it expires)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Verification(models.Model):
    class Outcome(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        SENT_BACK = "sent_back", _("Sent back")

    need = models.ForeignKey(
        "needs.Need", verbose_name=_("need"), on_delete=models.CASCADE, related_name="verifications"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    evidence = models.TextField(_("evidence"))
    photos = models.PositiveSmallIntegerField(_("photos"), default=0)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["need", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.outcome}"


class RatingInvite(models.Model):
    """One resident's link to rate one verified need; the rating is written on it, once."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved")
        PARTLY = "partly", _("Partly solved")
        NOT_SOLVED = "not_solved", _("Not solved")

    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("need"),
        on_delete=models.CASCADE,
        related_name="rating_invites",
    )
    verification = models.ForeignKey(
        Verification,
        verbose_name=_("verification"),
        on_delete=models.CASCADE,
        related_name="invites",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    outcome = models.CharField(_("result"), max_length=10, choices=Outcome.choices, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["need", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | (Q(stars__gte=1) & Q(stars__lte=5)),
                name="council_rating_stars_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need_id}/{self.user_id}"

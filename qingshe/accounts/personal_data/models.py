"""A person's request to have their data deleted (PIPL art. 47), and what was done about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeletionRequest(models.Model):
    """One request per person at a time (a partial unique constraint on pending requests).

    `summary` records what the de-identification did, as counts per kind of record; it never
    holds personal data. The person's row stays (de-identified) because the volunteer records that
    must be kept for 10 years point at it.
    """

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("deletion request", "Waiting to be carried out")
        DONE = "done", pgettext_lazy("deletion request", "Carried out")
        CANCELLED = "cancelled", pgettext_lazy("deletion request", "Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="deletion_requests",
    )
    state = models.CharField(
        pgettext_lazy("deletion request", "state"),
        max_length=10,
        choices=State.choices,
        default=State.PENDING,
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    executed_at = models.DateTimeField(_("carried out at"), null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("carried out by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    automatic = models.BooleanField(_("carried out by the automatic rule"), default=False)
    summary = models.JSONField(_("what was done"), default=dict, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state="pending"),
                name="one_pending_deletion_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    @property
    def pseudonym(self) -> str:
        return f"已注销用户#{self.pk}"

"""Preferences, deliveries and digests of notifications (app label `core`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationPreference(models.Model):
    """Which groups of notification kinds a person also wants by email, SMS or WeChat, and
    whether email comes once a day as a digest. No row: in-app only (the default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    # {"duty": ["email", "sms"], "needs": ["wechat"], ...}: groups of kinds.py → channel names.
    channels = models.JSONField(_("channels by kind"), default=dict, blank=True)
    daily_digest = models.BooleanField(_("daily digest by email"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)


class NotificationDelivery(models.Model):
    """One attempt to carry a notification over a channel other than the bell, with its honest
    outcome: sent (handed to the email backend), logged only (no gateway), skipped, failed."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        LOGGED = "logged", _("Not sent, logged only")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        "core.Notification",
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # Never a phone number or e-mail address in clear: the reason, in English, for operators.
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="core_delivery_once_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class NotificationDigest(models.Model):
    """The daily digest sent to one person for one local day: at most one (unique), so a task
    delivered twice does not send twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("items"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationDelivery.Status.choices
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="core_digest_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"

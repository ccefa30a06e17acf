"""Reads of notifications: a person sees only their own (anyone else's is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from qingshe.core.errors import NotFound
from qingshe.core.models import Notification
from qingshe.core.notifications.models import NotificationPreference


def notifications_for_user(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def notification_get_for_user(*, user: Any, notification_id: int) -> Notification:
    found = Notification.objects.filter(user_id=user.pk, pk=notification_id).first()
    if found is None:
        raise NotFound("not_found", _("This notification does not exist."))
    return found


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def preference_for(*, user: Any) -> NotificationPreference:
    """The person's preference, unsaved with the defaults (in-app only) when they have none."""
    found = NotificationPreference.objects.filter(user_id=user.pk).first()
    return found or NotificationPreference(user=user, channels={}, daily_digest=False)

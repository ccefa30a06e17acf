"""Writes of notifications by their recipient: mark read, mark all read, preferences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core.audit import audit
from qingshe.core.errors import ValidationFailed
from qingshe.core.models import Notification
from qingshe.core.notifications.channels import CHANNELS
from qingshe.core.notifications.kinds import GROUPS
from qingshe.core.notifications.models import NotificationPreference
from qingshe.core.notifications.selectors import notification_get_for_user


@transaction.atomic
def notification_mark_read(*, actor: Any, notification_id: int) -> Notification:
    note = notification_get_for_user(user=actor, notification_id=notification_id)
    if note.read_at is None:
        note.read_at = timezone.now()
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=note.read_at)
    return note


@transaction.atomic
def notification_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def _clean_channels(channels: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    if not isinstance(channels, Mapping):
        raise ValidationFailed(
            "invalid_channels", _("Choose channels per kind of notification."), field="channels"
        )
    cleaned: dict[str, list[str]] = {}
    for group, names in channels.items():
        if group not in GROUPS:
            raise ValidationFailed(
                "unknown_group",
                _("Unknown kind of notification: %(group)s.") % {"group": str(group)[:40]},
                field="channels",
            )
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise ValidationFailed(
                "invalid_channels", _("Choose channels per kind of notification."), field="channels"
            )
        unknown = [str(n)[:20] for n in names if n not in CHANNELS]
        if unknown:
            raise ValidationFailed(
                "unknown_channel",
                _("Unknown channel: %(channel)s. Choose email, SMS or WeChat.")
                % {"channel": unknown[0]},
                field="channels",
            )
        chosen = [c for c in CHANNELS if c in names]  # a stable order, no duplicates
        if chosen:
            cleaned[group] = chosen
    return cleaned


@transaction.atomic
def notification_preferences_update(
    *, actor: Any, channels: Mapping[str, Sequence[str]], daily_digest: bool
) -> NotificationPreference:
    """Replace the person's own preferences. Groups not named get the bell only."""
    cleaned = _clean_channels(channels)
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    pref.channels = cleaned
    pref.daily_digest = bool(daily_digest)
    pref.save(update_fields=["channels", "daily_digest", "updated_at"])
    audit(
        actor=actor,
        action="notification.preferences",
        obj=pref,
        data={"channels": cleaned, "daily_digest": pref.daily_digest},
    )
    return pref

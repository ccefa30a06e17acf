"""Carrying new notifications over the channels each recipient chose (called by core.notify
after commit; the sending itself runs as a task so a slow mail server never delays a request)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import translation

from qingshe.core.models import Notification
from qingshe.core.notifications.channels import SENDERS, Message, absolute
from qingshe.core.notifications.kinds import group_of
from qingshe.core.notifications.models import NotificationDelivery, NotificationPreference

logger = logging.getLogger("qingshe.notifications")


def wanted_channels(pref: NotificationPreference | None, kind: str) -> list[str]:
    """The channels (besides the bell) for `kind`; email waits for the digest when it is on."""
    if pref is None:
        return []
    chosen = list(pref.channels.get(group_of(kind), []))
    if pref.daily_digest and "email" in chosen:
        chosen.remove("email")
    return chosen


def enqueue_deliveries(rows: Iterable[Notification]) -> None:
    """One query for the recipients' preferences; a task only when someone wants more than the
    bell. A failure to enqueue is logged: the in-app notification is written already."""
    rows = [r for r in rows if r.pk]
    if not rows:
        return
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in={r.user_id for r in rows})
    }
    if not prefs:
        return
    ids = [r.pk for r in rows if wanted_channels(prefs.get(r.user_id), r.kind)]
    if not ids:
        return
    from qingshe.core.notifications.tasks import deliver_notifications

    try:
        deliver_notifications.enqueue(ids)
    except Exception:  # noqa: BLE001
        logger.exception("could not enqueue the delivery of %d notifications", len(ids))


def deliver(notification_ids: list[int]) -> dict[str, int]:
    """Send each notification over its recipient's channels, once per channel (a second run
    finds the delivery row and skips it)."""
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("user")
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in={n.user_id for n in notes})
    }
    counts: dict[str, int] = {}
    for note in notes:
        user = note.user
        if not user.is_active:
            continue
        for channel in wanted_channels(prefs.get(note.user_id), note.kind):
            try:
                with transaction.atomic():
                    row = NotificationDelivery.objects.create(
                        notification=note,
                        channel=channel,
                        status=NotificationDelivery.Status.SKIPPED,
                    )
            except IntegrityError:
                continue  # already delivered over this channel
            message = Message(
                kind=note.kind, title=note.title, body=note.body, link=absolute(note.url)
            )
            with translation.override(getattr(user, "language", None) or "zh-hans"):
                outcome = SENDERS[channel](user=user, message=message)
            NotificationDelivery.objects.filter(pk=row.pk).update(
                status=outcome.status, detail=outcome.detail[:200]
            )
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts

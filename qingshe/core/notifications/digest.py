"""The daily digest: one email per person who chose it, listing the day's unread notifications
(local day, Asia/Shanghai). Run once in the evening (`send_daily_digests`); a second run the
same day sends nothing more (one NotificationDigest row per person and day)."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qingshe.core.models import Notification
from qingshe.core.notifications.channels import absolute, one_line
from qingshe.core.notifications.models import (
    NotificationDelivery,
    NotificationDigest,
    NotificationPreference,
)
from qingshe.core.timeutil import day_start

logger = logging.getLogger("qingshe.notifications")
Status = NotificationDelivery.Status


def _send_one(user: Any, day: date, items: list[Notification]) -> str:
    with translation.override(getattr(user, "language", None) or "zh-hans"):
        subject = _("[Qingshe] Unread notifications today: %(count)d") % {"count": len(items)}
        body = render_to_string(
            "core/notifications/digest.txt",
            {
                "user": user,
                "day": day,
                "items": [(one_line(n.title), absolute(n.url)) for n in items],
                "centre": absolute("/notifications/"),
            },
        )
    try:
        EmailMessage(subject=subject, body=body, to=[user.email]).send()
    except Exception as exc:  # noqa: BLE001
        logger.warning("digest to person #%s failed: %s", user.pk, type(exc).__name__)
        return Status.FAILED
    return Status.SENT


def send_daily_digests(*, day: date | None = None) -> dict[str, int]:
    day = day or timezone.localdate()
    start, end = day_start(day), day_start(day + timedelta(days=1))
    prefs = NotificationPreference.objects.filter(
        daily_digest=True, user__is_active=True
    ).select_related("user")
    counts = {"sent": 0, "failed": 0, "empty": 0, "no_email": 0, "already": 0}
    for pref in prefs.iterator():
        user = pref.user
        if not user.email:
            counts["no_email"] += 1
            continue
        items = list(
            Notification.objects.filter(
                user_id=user.pk, read_at__isnull=True, created_at__gte=start, created_at__lt=end
            ).order_by("created_at", "id")
        )
        if not items:
            counts["empty"] += 1
            continue
        try:
            with transaction.atomic():
                row = NotificationDigest.objects.create(
                    user=user, day=day, items=len(items), status=Status.SENT
                )
        except IntegrityError:
            counts["already"] += 1
            continue
        status = _send_one(user, day, items)
        if status != Status.SENT:
            NotificationDigest.objects.filter(pk=row.pk).update(status=status)
        counts["sent" if status == Status.SENT else "failed"] += 1
    return counts

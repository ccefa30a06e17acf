"""Notifications: the one module through which every reminder and "your turn" message goes.

Messages are written as in-app notifications after the surrounding transaction commits, so a
rolled-back write never notifies anybody. Titles are translated in the recipient's language.
Then each recipient's other channels (email, SMS, WeChat; see qingshe.core.notifications) are
served by a background task, per their preferences; the daily digest collects the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import translation

from qingshe.core.models import Notification
from qingshe.core.notifications.delivery import enqueue_deliveries


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    title: Callable[[], str] | str,
    body: Callable[[], str] | str = "",
    url: str = "",
) -> None:
    """Send one message to each of `users` once the current transaction commits.

    Pass `title`/`body` as callables (e.g. `lambda: _("…") % {...}`) so they are rendered in
    each recipient's language.
    """
    recipients = {u.pk: u for u in users if getattr(u, "pk", None)}
    if not recipients:
        return

    def _send() -> None:
        rows = []
        for user in recipients.values():
            with translation.override(getattr(user, "language", None) or "zh-hans"):
                rows.append(
                    Notification(
                        user=user,
                        kind=kind,
                        title=str(title() if callable(title) else title)[:200],
                        body=str(body() if callable(body) else body),
                        url=url,
                    )
                )
        Notification.objects.bulk_create(rows)
        enqueue_deliveries(rows)

    transaction.on_commit(_send)


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()

"""Background work of notifications (django-tasks): deliveries and the daily digest."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from qingshe.core.notifications import delivery, digest


@task()
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    return delivery.deliver(notification_ids)


@task()
def send_daily_digests(day: str | None = None) -> dict[str, int]:
    """`day` as YYYY-MM-DD (local); today when omitted. Schedule it once a day, in the evening."""
    return digest.send_daily_digests(day=date.fromisoformat(day) if day else None)

"""Background work of the dashboards: the rollups' refresh (every few minutes; `qingshe
dashboard-refresh` enqueues it) and, on the first days of a month, publishing the month before."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from qingshe.reports.dashboard.refresh import refresh_rollups
from qingshe.reports.dashboard.snapshots import month_freeze, previous_month_start


@task()
def refresh_dashboards() -> int:
    return len(refresh_rollups().months)


@task()
def publish_previous_month() -> int:
    today = timezone.localdate()
    return month_freeze(month=previous_month_start(today), today=today)

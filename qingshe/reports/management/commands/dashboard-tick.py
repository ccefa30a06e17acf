"""`qingshe dashboard-tick`: enqueue the dashboards' periodic work. Run it every 10 minutes (cron
or a systemd timer) beside `duty-tick`; the worker (`qingshe db_worker`) runs the tasks.

- the rollups' refresh: the months touched by records written since the last refresh;
- from the 5th of a month on (after the communities' confirmation deadline of 3 working days),
  publishing the month before: its figures are frozen per organisation, once.
Both are idempotent: an extra tick recomputes nothing twice and freezes nothing again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tasks import TaskResultStatus

from qingshe.reports.dashboard.tasks import publish_previous_month, refresh_dashboards

PUBLISH_FROM_DAY = 5
HELP = (
    "提交统计看板的定时任务（每 10 分钟运行一次，例如 cron）：更新汇总数据；每月 5 日起发布并封存上月数据。"
    " / Enqueue the dashboards' periodic tasks (every 10 minutes from cron): refresh the rollups; "
    "from the 5th of a month, publish (freeze) the month before."
)


class Command(BaseCommand):
    help = HELP

    def handle(self, *args: Any, **options: Any) -> None:
        results = [("refresh", refresh_dashboards.enqueue())]
        if timezone.localdate().day >= PUBLISH_FROM_DAY:
            results.append(("publish", publish_previous_month.enqueue()))
        failed = [name for name, r in results if r.status == TaskResultStatus.FAILED]
        if failed:
            raise CommandError(f"任务失败 / task(s) failed: {', '.join(failed)}")
        for name, result in results:
            if result.status == TaskResultStatus.SUCCESSFUL:
                self.stdout.write(f"{name}: {result.return_value}")
            else:
                self.stdout.write(f"{name}: 已提交 / enqueued {result.id}")

"""`qingshe tasks-reap`: put tasks whose worker died back in the queue (qingshe.core.task_reaper).
Run it every few minutes (cron or a systemd timer); `make worker` runs it before the worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qingshe.core.task_reaper import STALE_AFTER, requeue_stale

HELP = (
    "把工作进程中断后一直处于“运行中”的后台任务重新排队（每隔几分钟运行一次）。"
    " / Queue again the background tasks left running by a worker that died (run every few minutes)."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=int,
            default=int(STALE_AFTER.total_seconds()),
            metavar="SECONDS",
            help="运行超过这么多秒的任务视为中断（默认 3600） / a task running longer than this "
            "many seconds is taken as interrupted (default 3600)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = requeue_stale(older_than=timedelta(seconds=max(0, options["stale_after"])))
        self.stdout.write(f"tasks-reap: {len(ids)} queued again")

"""`qingshe council-tick`: enqueue the council's daily work (cron, once a day): weekly summaries
brought up to date, reminders of missing work feedback forms. Each task is idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from qingshe.council.tasks import chase_feedback_forms, refresh_weekly_summaries

HELP = (
    "青年议事会的每日任务：更新各社区本周的周汇总；提醒尚未提交上月工作情况反馈表的团支部书记。"
    " / Enqueue the council's daily tasks: weekly summaries brought up to date, reminders of missing"
    " monthly work feedback forms."
)


class Command(BaseCommand):
    help = HELP

    def handle(self, *args: Any, **options: Any) -> None:
        results = [
            ("summaries", refresh_weekly_summaries.enqueue()),
            ("feedback", chase_feedback_forms.enqueue()),
        ]
        failed = [name for name, r in results if r.status == TaskResultStatus.FAILED]
        if failed:
            raise CommandError(f"任务失败 / task(s) failed: {', '.join(failed)}")
        for name, result in results:
            self.stdout.write(
                f"{name}: {result.return_value if result.status == TaskResultStatus.SUCCESSFUL else result.id}"
            )

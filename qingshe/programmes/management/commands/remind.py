"""`qingshe remind`: enqueue the day's deadline reminders. Run it once a day (cron or a systemd
timer); with the database task backend the worker (`qingshe db_worker`) sends them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import TaskResultStatus

from qingshe.programmes.tasks import send_deadline_reminders

# Bilingual plain strings: argparse needs str at import time, before any language is active.
HELP = (
    "提交当天的截止提醒任务（每天运行一次，例如 cron 或 systemd 定时器）：在每个截止日期前 N 天和当天，"
    "提醒负责的管理员还缺什么。同一天重复运行不会重复发送。"
    " / Enqueue the day's deadline reminders (run daily from cron or a systemd timer): N days "
    "before each deadline and on the day, responsible admins are told what is missing. Running "
    "twice on one day sends nothing new."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="按这一天发送（默认：上海时间的今天） / remind as of this day (default: today in Asia/Shanghai)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = options.get("date")
        if day:
            try:
                day = date.fromisoformat(day).isoformat()
            except ValueError as exc:
                raise CommandError(
                    f"--date: 日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD, got {day!r}"
                ) from exc
        result = send_deadline_reminders.enqueue(today_iso=day)
        if result.status == TaskResultStatus.FAILED:
            raise CommandError(f"提醒任务失败 / the reminder task failed: {result.id}")
        if result.status == TaskResultStatus.SUCCESSFUL:
            summary = result.return_value or {}
            self.stdout.write(
                f"{summary.get('date')}: 已发送 {summary.get('notifications', 0)} 条提醒 / "
                f"{summary.get('notifications', 0)} reminder(s) sent"
                + (f" ({', '.join(summary['reminders'])})" if summary.get("reminders") else "")
            )
        else:
            self.stdout.write(f"已提交提醒任务 / reminder task enqueued: {result.id}")

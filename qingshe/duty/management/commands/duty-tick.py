"""`qingshe duty-tick`: enqueue duty's periodic work. Run it every 10 minutes (cron or a systemd
timer); with the database task backend the worker (`qingshe db_worker`) runs the tasks. Each task
is idempotent, so an extra tick sends nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tasks import TaskResultStatus

from qingshe.duty.tasks import chase_confirmations, close_forgotten_checkouts, send_shift_reminders

# Bilingual plain strings: argparse needs str at import time, before any language is active.
HELP = (
    "提交报到的定时任务（每 10 分钟运行一次，例如 cron）：班次前一天和前一小时提醒已报名的人；"
    "为忘记签退的人在班次结束时自动签退；提醒社区确认 3 个工作日内到期或已逾期的考勤（每天一次）。"
    " / Enqueue duty's periodic tasks (run every 10 minutes from cron): shift reminders a day and "
    "an hour before, automatic check-out of those who forgot, and the daily chase of confirmations "
    "due within 3 working days or overdue."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            metavar="ISO-8601",
            help="按这一时刻运行（默认：现在） / run as of this moment (default: now)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now_iso = options.get("now")
        today_iso = None
        if now_iso:
            try:
                moment = datetime.fromisoformat(now_iso)
            except ValueError as exc:
                raise CommandError(
                    f"--now: 应为 ISO 8601 时间 / expected an ISO 8601 time, got {now_iso!r}"
                ) from exc
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            now_iso = moment.isoformat()
            today_iso = timezone.localtime(moment).date().isoformat()
        results = [
            ("reminders", send_shift_reminders.enqueue(now_iso=now_iso)),
            ("checkouts", close_forgotten_checkouts.enqueue(now_iso=now_iso)),
            ("confirmations", chase_confirmations.enqueue(today_iso=today_iso)),
        ]
        failed = [name for name, r in results if r.status == TaskResultStatus.FAILED]
        if failed:
            raise CommandError(f"任务失败 / task(s) failed: {', '.join(failed)}")
        for name, result in results:
            if result.status == TaskResultStatus.SUCCESSFUL:
                self.stdout.write(f"{name}: {result.return_value}")
            else:
                self.stdout.write(f"{name}: 已提交 / enqueued {result.id}")

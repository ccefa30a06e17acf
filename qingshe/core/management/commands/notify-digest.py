"""`qingshe notify-digest`: enqueue the daily digest of notifications (one email per person who
chose it, with the day's unread items). Run it once a day in the evening (cron or a systemd
timer); a second run the same day sends nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingshe.core.notifications.tasks import send_daily_digests

# Bilingual plain strings: argparse needs str at import time, before any language is active.
HELP = (
    "发送通知的每日邮件摘要（每天晚上运行一次）：给选择了摘要的人各发一封邮件，列出当天的未读通知。"
    " / Enqueue the daily digest of notifications (run once a day in the evening): one email per "
    "person who chose it, listing the day's unread notifications."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--day", metavar="YYYY-MM-DD", help="这一天（默认：今天） / this day (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = options.get("day")
        if day:
            try:
                date.fromisoformat(day)
            except ValueError as exc:
                raise CommandError(
                    f"--day: 应为 YYYY-MM-DD / expected YYYY-MM-DD, got {day!r}"
                ) from exc
        result = send_daily_digests.enqueue(day)
        self.stdout.write(f"digest: {result.status}")
        if result.is_finished and result.return_value is not None:
            self.stdout.write(f"digest: {result.return_value}")

"""`qingshe exports-purge`: delete exported Excel files (and their jobs) older than a week. They
hold personal data; run it daily (cron or a systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qingshe.core.exports.services import KEEP_DAYS
from qingshe.core.exports.tasks import purge_exports

HELP = (
    "删除一周前导出的 Excel 文件及其任务记录（含个人信息，每天运行一次）。"
    " / Delete exported Excel files and their jobs older than a week (they hold personal data; "
    "run daily)."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=KEEP_DAYS, help="保留天数 / days to keep (default 7)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge_exports.enqueue(max(0, options["days"]))
        self.stdout.write(
            f"exports-purge: {result.status} {result.return_value if result.is_finished else ''}"
        )

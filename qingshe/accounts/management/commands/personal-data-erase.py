"""`qingshe personal-data-erase`: the automatic rule for deletion requests. Carries out every
request pending longer than the allowed time (run daily, like exports-purge)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qingshe.accounts.personal_data.services import AUTO_EXECUTE_AFTER_DAYS, deletion_execute_due

HELP = (
    "执行超过期限仍未处理的个人信息删除申请（每天运行一次）。"
    " / Carry out deletion requests pending longer than the allowed time (run daily)."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=AUTO_EXECUTE_AFTER_DAYS,
            help=f"期限（天） / days a request may wait (default {AUTO_EXECUTE_AFTER_DAYS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = deletion_execute_due(days=max(0, options["days"]))
        # Request numbers only: no names, no phone numbers.
        self.stdout.write(f"personal-data-erase: {len(done)} carried out {[r.pk for r in done]}")

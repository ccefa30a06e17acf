"""`qingshe restore FILE --yes`: replace the database and the uploaded files with a backup made
by `qingshe backup`, after checking the whole file (qingshe.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingshe.core import backup

HELP = (
    "用 qingshe backup 生成的备份替换当前数据库和上传的文件。先完整核对备份（格式、数据库类型、校验和、"
    "完整性），核对不通过时不改动任何数据；必须加 --yes 确认。恢复前请停止站点和任务进程，恢复后运行 qingshe migrate。"
    " / Replace the database and the uploaded files with a backup made by `qingshe backup`. The "
    "whole file is checked first (format, database engine, checksum, integrity); nothing is "
    "changed when a check fails. Requires --yes. Stop the site and the task worker first; run "
    "`qingshe migrate` afterwards."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="备份文件 / the backup file (.tar)")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="确认覆盖当前数据 / confirm that the current data is to be replaced",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not options["yes"]:
            raise CommandError(
                "恢复会用备份覆盖当前数据库和上传的文件，且无法撤销。确认无误请加 --yes 再运行。"
                " / Restoring replaces the current database and uploaded files and cannot be "
                "undone: run again with --yes to confirm."
            )
        try:
            result = backup.restore(path, log=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"恢复完成 / restored: {path} ({result.engine}, {result.created_at}, "
            f"{result.tables} tables, {result.rows} rows, {result.media_files} media files)"
        )

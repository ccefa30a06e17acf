"""`qingshe backup`: the database and the uploaded files in one timestamped tar file
(qingshe.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingshe.core import backup

# Bilingual plain strings: argparse needs str at import time, before any language is active.
HELP = (
    "备份数据库和上传的文件，写成一个带时间戳的 tar 文件（默认在 var/backups/）：SQLite 用在线备份接口复制，"
    "PostgreSQL 用 pg_dump -Fc；站点可照常运行。"
    " / Back up the database and the uploaded files into one timestamped tar file (default "
    "var/backups/): SQLite through the online backup API, PostgreSQL with pg_dump -Fc; the site "
    "may keep running."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="备份文件所在目录 / directory for the backup file (default var/backups/)",
        )
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="不含上传的文件 / leave the uploaded files out",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup.backup(directory=options["output_dir"], media=not options["no_media"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size_mb = path.stat().st_size / 1_000_000
        self.stdout.write(f"备份完成 / backup written: {path} ({size_mb:.1f} MB)")

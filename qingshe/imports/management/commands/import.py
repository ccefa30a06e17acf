"""`qingshe import FILE`: import a roster workbook from the command line, with a progress bar on
stderr. The same checks and services as the page and the API (imports.services), run here in
the foreground instead of by the task worker."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from qingshe.accounts.models import User
from qingshe.core.errors import ServiceError
from qingshe.imports import selectors, services
from qingshe.imports.models import ImportJob
from qingshe.lib import ids

# Bilingual plain strings: argparse needs str at import time, before any language is active.
HELP = (
    "从 Excel（.xlsx）导入组织和学生名册，stderr 显示进度条。默认全部成功才导入；--valid-only 只导入无误的行，"
    "其余写入错误文件。--as 以该账号的身份和管辖范围导入（默认：系统，不限范围）。"
    " / Import organisations and students from an .xlsx roster with a progress bar on stderr. All or "
    "nothing by default; --valid-only imports the valid rows and writes the others to an error file. "
    "--as imports as that person, within their organisations (default: the system, everywhere)."
)
SHOWN_ERRORS = 20


class ProgressBar:
    """A one-line bar on a terminal (redrawn at most 10 times a second); on a pipe or a log file,
    a line at every tenth of the way."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_draw = 0.0
        self.last_step: tuple[str, int] = ("", -1)

    def __call__(self, job: ImportJob) -> None:
        saving = job.state == ImportJob.State.WRITING or (
            job.state == ImportJob.State.DONE and job.rows_to_write
        )
        if saving:
            label, done, total = "写入 / saving", job.rows_written, job.rows_to_write
        else:
            label, done, total = "校验 / checking", job.rows_read, job.rows_total or 0
        finished = not job.is_running
        percent = 100 if finished or not total else min(100, 100 * done // total)
        if self.tty:
            now = time.monotonic()
            if not finished and now - self.last_draw < 0.1:
                return
            self.last_draw = now
            filled = self.WIDTH * percent // 100
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream.write(f"\r{label} [{bar}] {percent:3d}%  {done:,}/{total:,}")
            if finished:
                self.stream.write("\n")
            self.stream.flush()
            return
        step = (label, percent // 10)
        if step != self.last_step or finished:
            self.last_step = step
            self.stream.write(f"{label} {percent:3d}%  {done:,}/{total:,}\n")
            self.stream.flush()


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="名册文件 / the roster workbook (.xlsx)")
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="只导入无误的行，其余写入错误文件 / import the valid rows, write the others to an error file",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USER",
            help="以该账号（用户名或手机号）导入 / import as this person (username or mobile number)",
        )

    def _actor(self, login: str | None) -> User | None:
        if not login:
            return None
        query = Q(username__iexact=login)
        with contextlib.suppress(ids.IdentifierError):
            query |= Q(phone=ids.normalize_phone(login))
        user = User.objects.filter(query, is_active=True).first()
        if user is None:
            raise CommandError(f"没有这个账号 / no such active person: {login}")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 / no such file: {path}")
        actor = self._actor(options["as_user"])
        with path.open("rb") as handle:
            try:
                job = services.import_start(
                    actor=actor,
                    upload=File(handle, name=path.name),
                    valid_only=options["valid_only"],
                    enqueue=False,
                )
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from exc
        bar = ProgressBar(self.stderr._out)
        job = services.import_run(job_id=job.pk, on_progress=bar)
        self._report(job)

    def _report(self, job: ImportJob) -> None:
        write = self.stdout.write
        write(f"{job.get_state_display()} (#{job.pk})")
        write(
            f"  行 / rows: {job.rows_read:,}  有误的行 / rows with errors: {job.error_rows:,}  "
            f"学生 / students: {job.students_created:,}  新建组织 / organisations: {job.orgs_created:,}"
            + (f" (+{job.orgs_existing:,} 已存在 / existing)" if job.orgs_existing else "")
        )
        if job.problem:
            write(f"  {job.problem}")
        for error in selectors.import_errors(job=job)[:SHOWN_ERRORS]:
            where = f"{error.sheet_title} 第 {error.row} 行" + (
                f" {error.column} 列（{error.header}）" if error.column else ""
            )
            write(f"  {where}：{error.message}")
        if job.error_count > SHOWN_ERRORS:
            write(f"  …共 {job.error_count:,} 处错误 / {job.error_count:,} errors in all")
        if job.error_file:
            try:
                where = job.error_file.path
            except NotImplementedError:  # storage without local paths (S3)
                where = job.error_file.name
            write(f"  错误文件 / error file: {where}")
        if job.state != ImportJob.State.DONE:
            raise CommandError("未导入 / not imported")

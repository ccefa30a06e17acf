"""`qingshe import FILE [--valid-only] [--as USER]`: the same import in the foreground, with a
progress bar on stderr and the errors on stdout."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from qingshe.accounts.models import StudentProfile
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, workbook_bytes

command_module = importlib.import_module("qingshe.imports.management.commands.import")


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def roster(tmp_path: Path, students: list[list[Any]], name: str = "名册.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(workbook_bytes(students=students))
    return str(path)


def test_the_command_is_reachable_as_qingshe_import() -> None:
    assert get_commands()["import"] == "qingshe.imports"


def test_import_as_an_admin_with_a_progress_bar(city: SimpleNamespace, tmp_path: Path) -> None:
    out, err = run(roster(tmp_path, rows(2500)), "--as", city.league_admin.phone)
    assert "已导入" in out and "学生 / students: 2,500" in out
    assert StudentProfile.objects.count() == 2500
    lines = err.splitlines()  # not a terminal: a line at every tenth of the way
    assert lines[0].startswith("校验 / checking") and lines[-1] == "写入 / saving 100%  2,500/2,500"
    assert any(line.startswith("校验 / checking 100%") for line in lines)
    job = ImportJob.objects.get()
    assert job.created_by == city.league_admin and not job.file


def test_errors_are_listed_and_the_command_fails(city: SimpleNamespace, tmp_path: Path) -> None:
    students = rows(5)
    students[1][2] = students[1][2][:-1] + ("1" if students[1][2][-1] != "1" else "2")
    students[3][5] = "不存在班团支部"
    with pytest.raises(CommandError, match="未导入 / not imported"):
        run(roster(tmp_path, students), "--as", city.university_admin.phone)
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.REJECTED and not StudentProfile.objects.exists()


def test_the_output_names_every_error_and_the_error_file(
    city: SimpleNamespace, tmp_path: Path
) -> None:
    students = rows(4)
    students[2][1] = "110"
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", roster(tmp_path, students), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "学生 第 4 行 B 列（手机号）：不是有效的大陆手机号" in text
    assert "错误文件 / error file: " in text and text.strip().endswith(".xlsx")
    assert not any(line[2] in text for line in students)  # no ID number in clear


def test_valid_only_and_the_system_as_importer(city: SimpleNamespace, tmp_path: Path) -> None:
    students = rows(6)
    students[0][1] = "1"
    out, _err = run(roster(tmp_path, students), "--valid-only")
    assert "学生 / students: 5" in out and "有误的行 / rows with errors: 1" in out
    assert ImportJob.objects.get().created_by is None


def test_refusals(city: SimpleNamespace, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        run(str(tmp_path / "nope.xlsx"))
    with pytest.raises(CommandError, match="没有这个账号"):
        run(roster(tmp_path, rows(1)), "--as", "nobody")
    with pytest.raises(CommandError, match="只有团委管理员和高校团委管理员可以导入名册"):
        run(roster(tmp_path, rows(1)), "--as", city.student.phone)
    bad = tmp_path / "名册.csv"
    bad.write_text("姓名,手机号\n")
    with pytest.raises(CommandError, match="这不是 Excel 工作簿"):
        run(str(bad))
    assert not ImportJob.objects.exists()


def test_the_bar_redraws_one_line_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = command_module.ProgressBar(screen)
    job = ImportJob(state=ImportJob.State.VALIDATING, rows_total=200, rows_read=100)
    bar(job)
    job.state, job.rows_to_write, job.rows_written = ImportJob.State.DONE, 200, 200
    bar(job)
    assert screen.getvalue().startswith(
        "\r校验 / checking [###############---------------]  50%  100/200"
    )
    assert screen.getvalue().endswith(
        "\r写入 / saving [##############################] 100%  200/200\n"
    )

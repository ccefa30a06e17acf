"""Roster imports through the services: a whole import, all-or-nothing, valid rows only with the
error file, every bad input refused with its Chinese message and nothing stored, the 50 seeded
errors of a LibreOffice roster, organisation rows, scope, duplicates and privacy."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from qingshe.accounts.models import ConsentRecord, StudentProfile, User
from qingshe.accounts.services import user_create
from qingshe.core.errors import AccessDenied, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.imports import samples, services
from qingshe.imports.models import ImportJob, ImportRowError
from qingshe.imports.tests import seeded
from qingshe.imports.tests.conftest import (
    BRANCHES,
    DEPARTMENT,
    FIXTURES,
    UNIVERSITY,
    rows,
    upload,
    workbook_bytes,
)
from qingshe.lib import crypto
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.orgs.tests.factories import OrganisationFactory

# --- helpers ------------------------------------------------------------------------------------


def errors_of(job: ImportJob) -> set[tuple[str, int, str, str]]:
    return {(e.sheet, e.row, e.column, e.code) for e in job.row_errors.all()}


def workbook_of(
    sheets: dict[str, list[list[Any]]], *, merge: dict[str, str] | None = None
) -> bytes:
    """A workbook in openpyxl's normal mode (merged cells, formulas)."""
    book = Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line)
        if merge and title in merge:
            sheet.merge_cells(merge[title])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = [
    "姓名",
    "手机号",
    "身份证号",
    "高校",
    "院系",
    "班级团支部",
    "学号",
    "专业",
    "年级",
    "技能",
]


def start(city: SimpleNamespace, content: bytes, **kw: Any) -> ImportJob:
    return services.import_start(
        actor=city.league_admin, upload=upload(content), enqueue=False, **kw
    )


def refused(city: SimpleNamespace, content: bytes, *, name: str = "名册.xlsx") -> ValidationFailed:
    """Upload `content`: it must be refused, with nothing stored."""
    with pytest.raises(ValidationFailed) as caught:
        services.import_start(actor=city.league_admin, upload=upload(content, name), enqueue=False)
    assert ImportJob.objects.count() == 0
    return caught.value


def nothing_written(before_users: int, before_orgs: int) -> None:
    assert User.objects.count() == before_users
    assert Organisation.objects.count() == before_orgs
    assert not StudentProfile.objects.exists()


# --- a whole import -----------------------------------------------------------------------------


def test_import_creates_organisations_and_students_through_the_bulk_paths(
    city: SimpleNamespace, run_import: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    orgs = [
        ["院系团委", "共青团青州学院法学系委员会", "法学系团委", UNIVERSITY],
        ["班级团支部", "2024级法学1班团支部", "", "法学系团委"],
        # A path, and rows in any order: this branch's department is created two rows up.
        ["班级团支部", "2024级法学2班团支部", "", "青州学院团委/法学系团委"],
        # Already there (same kind, name and parent): used as it is.
        ["班级团支部", BRANCHES[0], "", DEPARTMENT],
    ]
    students = list(
        samples.student_rows(
            6,
            university="青州学院",
            department="法学系",
            branches=["2024级法学1班团支部", "2024级法学2班团支部"],
        )
    )
    students += rows(4, start=100)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import(workbook_bytes(students=students, orgs=orgs))
    assert job.state == ImportJob.State.DONE, [e.message for e in job.row_errors.all()]
    assert (job.orgs_created, job.orgs_existing, job.students_created, job.error_count) == (
        3,
        1,
        10,
        0,
    )
    assert job.rows_read == 14 and job.rows_written == 13 and job.percent == 100
    law = Organisation.objects.get(name="共青团青州学院法学系委员会")
    assert law.parent == city.university and law.short_name == "法学系团委"
    assert Organisation.objects.get(name="2024级法学2班团支部").parent == law
    profile = StudentProfile.objects.select_related(
        "user", "branch", "department", "university"
    ).get(user__phone=students[0][1])
    assert (profile.branch.name, profile.department, profile.university) == (
        "2024级法学1班团支部",
        law,
        city.university,
    )
    assert (profile.major, profile.grade, profile.student_no) == (
        students[0][7],
        2024,
        students[0][6],
    )
    assert Membership.objects.filter(
        user=profile.user, org=profile.branch, role=Role.STUDENT, is_active=True
    ).exists()
    # The ID number: encrypted, looked up by keyed hash, shown masked.
    user = profile.user
    assert (
        user.id_number_masked == samples.id_number(0)[:6] + "********" + samples.id_number(0)[-4:]
    )
    assert samples.id_number(0).encode() not in bytes(user.id_number_cipher)
    key = settings.QINGSHE_FIELD_KEY
    assert crypto.decrypt(
        user.id_number_cipher, secret=key, context="user.id_number"
    ) == samples.id_number(0)
    assert user.volunteer_no.startswith("QS") and not user.has_usable_password()
    # No consent is recorded on the students' behalf: they give it at their first login.
    assert not ConsentRecord.objects.filter(user=user).exists()
    skills = sorted(profile.skills.values_list("name", flat=True))
    assert skills == sorted(s for s in students[0][9].split("、") if s)
    # Audited per batch, with the job as the source; the upload (ID numbers in clear) is gone.
    actions = set(
        AuditEvent.objects.filter(actor=city.league_admin).values_list("action", flat=True)
    )
    assert {
        "import.start",
        "import.finish",
        "org.create",
        "user.bulk_create",
        "student_profile.bulk_create",
        "membership.bulk_grant",
    } <= actions
    assert AuditEvent.objects.filter(
        action="user.bulk_create", data__source=f"import:{job.pk}"
    ).exists()
    assert not job.file and not job.error_file
    assert Notification.objects.filter(
        user=city.league_admin, kind="imports.finished", url=f"/imports/{job.pk}/"
    ).exists()


def test_template_example_rows_are_skipped_and_the_template_alone_has_no_rows(
    city: SimpleNamespace, run_import: Any
) -> None:
    from qingshe.imports.template import template_bytes

    job = run_import(template_bytes(max_rows=100))
    assert job.state == ImportJob.State.REJECTED and job.problem_code == "no_rows"
    assert job.problem == "文件里除列名外没有可导入的行。"
    example = list(seeded.clean_rows()[0])
    from qingshe.imports.columns import EXAMPLE_STUDENT_ROWS

    job = run_import(workbook_bytes(students=[list(EXAMPLE_STUDENT_ROWS[0]), example]))
    assert job.state == ImportJob.State.DONE and job.students_created == 1 and job.rows_read == 1


# --- all or nothing, valid rows only --------------------------------------------------------------


def test_all_or_nothing_writes_nothing_when_any_row_has_an_error(
    city: SimpleNamespace, run_import: Any
) -> None:
    users, orgs = User.objects.count(), Organisation.objects.count()
    students = rows(30)
    students[17][2] = students[17][2][:-1] + ("1" if students[17][2][-1] != "1" else "2")
    job = run_import(
        workbook_bytes(
            students=students,
            orgs=[["院系团委", "共青团青州学院外语系委员会", "外语系团委", UNIVERSITY]],
        )
    )
    assert job.state == ImportJob.State.REJECTED
    assert errors_of(job) == {("students", 19, "C", "id_checksum")}
    assert (job.students_created, job.orgs_created, job.rows_written) == (0, 0, 0)
    nothing_written(users, orgs)
    # The message is in Chinese, names the cell, and masks the ID number.
    error = job.row_errors.get()
    masked = students[17][2][:6] + "********" + students[17][2][-4:]
    assert error.message == f"身份证号 {masked} 的校验位不正确。"
    assert (error.sheet_title, error.header) == ("学生", "身份证号")
    # The error file lists that row with its values and what to correct.
    book = load_workbook(job.error_file.open("rb"), read_only=True)
    lines = list(book["学生"].iter_rows(values_only=True))
    assert lines[0][-2:] == ("需要修改的地方", "原文件行号")
    assert len(lines) == 2 and lines[1][0] == students[17][0] and lines[1][-1] == 19
    assert lines[1][-2] == f"C 列（身份证号）：身份证号 {masked} 的校验位不正确。"


def test_valid_only_imports_the_other_rows_and_returns_the_rest_in_the_error_file(
    city: SimpleNamespace, run_import: Any
) -> None:
    students = rows(40)
    students[3][1] = "1381234"  # mobile
    students[10][4] = "不存在系团委"  # department
    students[25][1] = students[24][1]  # the same mobile twice: both rows
    job = run_import(workbook_bytes(students=students), valid_only=True)
    assert job.state == ImportJob.State.DONE
    assert errors_of(job) == {
        ("students", 5, "B", "invalid_phone"),
        ("students", 12, "E", "unknown_department"),
        ("students", 26, "B", "duplicate_in_file"),
        ("students", 27, "B", "duplicate_in_file"),
    }
    assert job.students_created == 36 == StudentProfile.objects.count()
    assert not User.objects.filter(phone=students[24][1]).exists()
    messages = {e.row: e.message for e in job.row_errors.all()}
    assert messages[26] == "手机号与第 27 行相同。" and messages[27] == "手机号与第 26 行相同。"
    assert messages[12] == "青州学院团委下没有院系“不存在系团委”。"
    book = load_workbook(job.error_file.open("rb"), read_only=True)
    lines = list(book["学生"].iter_rows(values_only=True))
    assert [line[-1] for line in lines[1:]] == [5, 12, 26, 27]
    assert [line[0] for line in lines[1:]] == [students[i][0] for i in (3, 10, 24, 25)]


def test_valid_only_with_no_valid_row_is_rejected(city: SimpleNamespace, run_import: Any) -> None:
    students = rows(2)
    students[0][1] = students[1][1] = "123"
    job = run_import(workbook_bytes(students=students), valid_only=True)
    assert (
        job.state == ImportJob.State.REJECTED and job.error_count == 2 and job.students_created == 0
    )


# --- bad input: refused at once, nothing stored -----------------------------------------------------


def test_a_file_that_is_not_xlsx_is_refused(city: SimpleNamespace, _media: Path) -> None:
    error = refused(city, "姓名,手机号\n张三,13800138000\n".encode(), name="名册.csv")
    assert error.code == "not_xlsx" and error.field == "file"
    assert str(error.message).startswith("这不是 Excel 工作簿（.xlsx）")
    assert (
        refused(city, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, name="名册.xls").code
        == "xls_file"
    )
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as package:
        package.writestr("word/document.xml", "<document/>")
    assert refused(city, docx.getvalue()).code == "not_xlsx"
    broken = workbook_bytes(students=rows(2))[:400]
    assert refused(city, broken).code in {"not_xlsx", "unreadable"}
    assert not any(_media.rglob("*.xlsx"))


def test_missing_columns_are_named(city: SimpleNamespace) -> None:
    header = [h for h in HEADER if h not in ("手机号", "年级")]
    error = refused(city, workbook_of({"学生": [header, ["张三"]]}))
    assert error.code == "missing_columns"
    assert (
        str(error.message)
        == "工作表“学生”缺少必需的列：手机号、年级。列名应写在第 1 行，与模板一致。"
    )
    error = refused(city, workbook_of({"组织": [["类型", "名称"], ["院系团委", "某系团委"]]}))
    assert error.code == "missing_columns" and "上级组织" in str(error.message)


def test_more_rows_than_the_limit_are_refused_before_anything_is_stored(
    city: SimpleNamespace, _media: Path
) -> None:
    """200,000 rows against the default limit of 100,000. The file is written as raw XML (what a
    spreadsheet program writes), since openpyxl would take a minute to write it."""
    content = _raw_xlsx(200_000)
    error = refused(city, content)
    assert error.code == "too_many_rows"
    assert (
        str(error.message)
        == "工作表“学生”的数据超过 100000 行，这是单次导入的上限。请拆分成几个文件。"
    )
    assert not any(_media.rglob("*"))


def test_the_row_limit_is_a_setting(city: SimpleNamespace, settings: Any) -> None:
    settings.QINGSHE_IMPORT_MAX_ROWS = 10
    assert refused(city, workbook_bytes(students=rows(11))).code == "too_many_rows"
    assert start(city, workbook_bytes(students=rows(10))).rows_total == 10


def test_a_formula_in_the_header_is_refused(city: SimpleNamespace) -> None:
    header = [*HEADER[:-1], '="技"&"能"']
    error = refused(city, workbook_of({"学生": [header, rows(1)[0]]}))
    assert error.code == "header_formula"
    assert str(error.message) == "工作表“学生”的 J1 单元格中的列名是公式。请把列名直接输入为文字。"


def test_merged_cells_in_the_header_are_refused(city: SimpleNamespace) -> None:
    header = ["姓名", None, *HEADER[1:]]  # 姓名 merged over A1:B1
    error = refused(
        city,
        workbook_of({"学生": [header, ["张三", None, *rows(1)[0][1:]]]}, merge={"学生": "A1:B1"}),
    )
    assert error.code == "header_merged"
    assert (
        str(error.message)
        == "工作表“学生”的第 1 行有合并单元格（A1:B1）。请取消合并：第 1 行每个单元格只写一个列名。"
    )


def test_a_title_row_above_the_header_is_explained(city: SimpleNamespace) -> None:
    error = refused(
        city,
        workbook_of({"学生": [["2024级学生名册"], HEADER, rows(1)[0]]}, merge={"学生": "A1:J1"}),
    )
    assert error.code == "title_row"
    assert (
        str(error.message)
        == "工作表“学生”的第 1 行看起来是标题。列名必须写在第 1 行：请删除上面的标题行。"
    )


def test_other_refusals(city: SimpleNamespace, settings: Any) -> None:
    assert refused(city, workbook_of({"Sheet1": [["甲", "乙"], [1, 2]]})).code == "no_sheet"
    assert refused(city, workbook_of({"学生": [HEADER]})).code == "no_rows"
    assert (
        refused(city, workbook_of({"学生": [[*HEADER, "手机号"], rows(1)[0]]})).code
        == "duplicate_column"
    )
    two = workbook_of({"学生": [HEADER, rows(1)[0]], "Sheet2": [HEADER, rows(1, start=5)[0]]})
    assert refused(city, two).code == "two_sheets"
    settings.QINGSHE_IMPORT_MAX_MB = 0
    assert refused(city, workbook_bytes(students=rows(1))).code == "file_too_big"


def test_only_league_and_university_admins_may_import(city: SimpleNamespace) -> None:
    content = workbook_bytes(students=rows(1))
    for person in (city.department_admin, city.secretary, city.student, city.staff):
        with pytest.raises(AccessDenied):
            services.import_start(actor=person, upload=upload(content), enqueue=False)
    assert services.import_start(
        actor=city.university_admin, upload=upload(content), enqueue=False
    ).pk


# --- the LibreOffice rosters ---------------------------------------------------------------------


def test_a_10000_row_roster_saved_by_libreoffice_is_imported(
    city: SimpleNamespace, run_import: Any
) -> None:
    content = (FIXTURES / "roster-10000-libreoffice.xlsx").read_bytes()
    job = run_import(content, name="roster-10000-libreoffice.xlsx")
    assert job.state == ImportJob.State.DONE, [e.message for e in job.row_errors.all()[:5]]
    assert job.rows_total == job.rows_read == job.students_created == 10_000
    assert StudentProfile.objects.filter(branch__in=[city.branch, city.branch2]).count() == 10_000
    # Mobile and student numbers came as numbers (LibreOffice's "Standard" cells): read as text.
    first = seeded.clean_rows()[0]
    profile = StudentProfile.objects.select_related("user").get(user__phone=first[1])
    assert profile.student_no == str(first[6]) and profile.user.id_number_masked.endswith(
        first[2][-4:]
    )


def test_the_50_seeded_errors_of_a_libreoffice_roster_are_all_reported(
    city: SimpleNamespace, run_import: Any
) -> None:
    for i, phone in enumerate(seeded.TAKEN_PHONES):
        user_create(name=f"已注册{i}", phone=phone)
    for i, index in enumerate(seeded.TAKEN_ID_INDEXES):
        user_create(name=f"已登记{i}", phone=f"1370000010{i}", id_number=samples.id_number(index))
    users = User.objects.count()
    _rows, expected = seeded.seeded_rows()
    content = (FIXTURES / "roster-10000-50-errors-libreoffice.xlsx").read_bytes()
    job = run_import(content)
    assert job.state == ImportJob.State.REJECTED
    assert job.error_count == 50 == job.error_rows
    assert {(row, column, code) for _s, row, column, code in errors_of(job)} == expected
    assert User.objects.count() == users and not StudentProfile.objects.exists()
    # Every message is Chinese and none holds an ID number in clear.
    ids_in_file = {r[2] for r in _rows if r[2]}
    for error in job.row_errors.all():
        assert error.header and error.message and not error.message.isascii()
        assert not any(number in error.message for number in ids_in_file)


# --- organisations sheet --------------------------------------------------------------------------


def test_organisation_rows_are_checked_against_the_tree(
    city: SimpleNamespace, run_import: Any
) -> None:
    orgs = [
        ["院系团委", "共青团青州学院艺术系委员会", "艺术系团委", UNIVERSITY],  # 2: fine
        ["班级团支部", "2024级美术班团支部", "", "艺术系团委"],  # 3: fine
        ["院系团委", "共青团某系委员会", "某系团委", "不存在的高校团委"],  # 4: unknown parent
        ["社区", "青年社区", "", UNIVERSITY],  # 5: a community cannot sit under a university
        ["学院团委", "共青团青州学院经济管理系委员会", "", UNIVERSITY],  # 6: exists as such: reused
        ["班级", BRANCHES[0], "", DEPARTMENT],  # 7: exists: reused
        ["班级团支部", "2024级舞蹈班团支部", "", "艺术系团委"],  # 8 and 9: twice
        ["班级团支部", "2024级舞蹈班团支部", "", "艺术系团委"],
        ["班委会", "某某", "", UNIVERSITY],  # 10: unknown kind
        ["团市委", "共青团新市委员会", "", UNIVERSITY],  # 11: not importable
        ["班级团支部", "2024级戏剧班团支部", "", "不存在的系团委"],  # 12: unknown parent
        ["班级团支部", "2024级影视班团支部", "", "某系团委"],  # 13: under a row with errors
        ["院系团委", "甲系团委", "", "乙系团委"],  # 14 and 15: each other's parent
        ["院系团委", "乙系团委", "", "甲系团委"],
    ]
    job = run_import(workbook_bytes(orgs=orgs, with_orgs_sheet=True, students=[]), valid_only=True)
    assert errors_of(job) == {
        ("orgs", 4, "D", "unknown_parent"),
        ("orgs", 5, "D", "invalid_parent"),
        ("orgs", 8, "B", "duplicate_in_file"),
        ("orgs", 9, "B", "duplicate_in_file"),
        ("orgs", 10, "A", "unknown_kind"),
        ("orgs", 11, "A", "kind_not_importable"),
        ("orgs", 12, "D", "unknown_parent"),
        ("orgs", 13, "D", "parent_has_error"),
        ("orgs", 14, "D", "parent_cycle"),
        ("orgs", 15, "D", "invalid_parent"),
    }
    assert job.state == ImportJob.State.DONE and (job.orgs_created, job.orgs_existing) == (2, 2)
    assert (
        Organisation.objects.get(name="2024级美术班团支部").parent.name
        == "共青团青州学院艺术系委员会"
    )
    messages = {e.row: e.message for e in job.row_errors.all()}
    assert messages[4] == "在您管理的组织和本文件中都没有“不存在的高校团委”。"
    assert messages[5] == "社区不能放在共青团青州学院委员会（高校团委）下。"
    assert messages[10].startswith("未知的组织类型“班委会”。请使用以下之一：院系团委、班级团支部")
    assert messages[11] == "团市委不能导入。"
    assert messages[13] == "组织表第 4 行（创建 共青团某系委员会）有错误。"


def test_an_ambiguous_parent_needs_a_path(city: SimpleNamespace, run_import: Any) -> None:
    from qingshe.orgs.services import org_create

    second = org_create(
        actor=None,
        kind=OrgKind.DEPARTMENT_COMMITTEE,
        name="共青团青州学院管理系委员会",
        parent=city.university,
    )
    org_create(actor=None, kind=OrgKind.CLASS_BRANCH, name=BRANCHES[0], parent=second)
    orgs = [["班级团支部", "2024级新班团支部", "", BRANCHES[0]]]
    job = run_import(workbook_bytes(orgs=orgs, students=[]))
    assert errors_of(job) == {("orgs", 2, "D", "ambiguous")}
    assert "请写全称" in job.row_errors.get().message
    # A cycle between two rows of the file.
    orgs = [["院系团委", "甲系团委", "", "乙系团委"], ["院系团委", "乙系团委", "", "甲系团委"]]
    job = run_import(workbook_bytes(orgs=orgs, students=[]))
    assert errors_of(job) == {("orgs", 2, "D", "parent_cycle"), ("orgs", 3, "D", "invalid_parent")}
    assert job.state == ImportJob.State.REJECTED


def test_students_may_belong_to_branches_the_file_creates_and_not_to_rows_with_errors(
    city: SimpleNamespace, run_import: Any
) -> None:
    orgs = [
        ["班级团支部", "2025级新班团支部", "", DEPARTMENT],
        ["班级团支部", "", "", DEPARTMENT],  # no name
    ]
    students = rows(2)
    students[0][5] = "2025级新班团支部"
    job = run_import(workbook_bytes(orgs=orgs, students=students), valid_only=True)
    assert errors_of(job) == {("orgs", 3, "B", "required")}
    assert job.students_created == 2
    assert StudentProfile.objects.get(user__phone=students[0][1]).branch.name == "2025级新班团支部"


# --- scope ------------------------------------------------------------------------------------------


def test_a_university_admin_imports_only_into_their_university(
    city: SimpleNamespace, run_import: Any
) -> None:
    from qingshe.orgs.services import org_create

    other = org_create(
        actor=None,
        kind=OrgKind.UNIVERSITY_COMMITTEE,
        name="共青团青州师范学院委员会",
        short_name="青州师院团委",
        parent=city.city,
    )
    dep = org_create(
        actor=None,
        kind=OrgKind.DEPARTMENT_COMMITTEE,
        name="共青团青州师范学院中文系委员会",
        short_name="中文系团委",
        parent=other,
    )
    org_create(actor=None, kind=OrgKind.CLASS_BRANCH, name="2024级中文班团支部", parent=dep)
    students = rows(2)
    students[1][3:6] = ["青州师院团委", "中文系团委", "2024级中文班团支部"]
    orgs = [["院系团委", "共青团青州师范学院数学系委员会", "", "青州师院团委"]]
    job = run_import(workbook_bytes(students=students, orgs=orgs), actor=city.university_admin)
    assert errors_of(job) == {
        ("students", 3, "D", "unknown_university"),
        ("orgs", 2, "D", "unknown_parent"),
    }
    assert (
        job.row_errors.get(sheet="students").message
        == "在您管理的组织中没有高校团委“青州师院团委”。"
    )
    # The city's league admin reaches both universities.
    job = run_import(workbook_bytes(students=students, orgs=orgs))
    assert job.state == ImportJob.State.DONE and job.students_created == 2


def test_a_district_admin_cannot_reach_a_university_under_the_city(
    city: SimpleNamespace, run_import: Any
) -> None:
    job = run_import(workbook_bytes(students=rows(1)), actor=city.district_admin)
    assert errors_of(job) == {("students", 2, "D", "unknown_university")}


# --- duplicates and identifiers -------------------------------------------------------------------


def test_duplicates_within_the_file_and_against_the_database(
    city: SimpleNamespace, run_import: Any
) -> None:
    existing = rows(3, start=500)
    assert run_import(workbook_bytes(students=existing)).state == ImportJob.State.DONE
    students = rows(6)
    students[0][1] = existing[0][1]  # mobile registered
    students[1][2] = existing[1][2]  # ID number registered
    students[2][6] = existing[2][6]  # student number used at the university
    students[4][2] = students[3][2]  # ID twice in the file
    students[5][6] = students[3][6]  # student number twice in the file
    job = run_import(workbook_bytes(students=students))
    assert errors_of(job) == {
        ("students", 2, "B", "phone_taken"),
        ("students", 3, "C", "id_taken"),
        ("students", 4, "G", "student_no_taken"),
        ("students", 5, "C", "duplicate_in_file"),
        ("students", 6, "C", "duplicate_in_file"),
        ("students", 5, "G", "duplicate_in_file"),
        ("students", 7, "G", "duplicate_in_file"),
    }
    messages = {(e.row, e.column): e.message for e in job.row_errors.all()}
    assert messages[(2, "B")] == "该手机号已被注册。"  # the wording of accounts' own message
    assert (
        messages[(3, "C")]
        == f"身份证号为 {existing[1][2][:6]}********{existing[1][2][-4:]} 的人已经登记。"
    )
    assert messages[(4, "G")] == f"学号 {existing[2][6]} 在共青团青州学院委员会已被使用。"
    assert messages[(7, "G")] == "学号与第 5 行相同。"


def test_identifier_cells(city: SimpleNamespace, run_import: Any) -> None:
    students = rows(6)
    students[0][2] = 1.10101200309e17  # an ID number Excel turned into a number
    students[1][2] = "11010120091301001" + ric.calc_check_digit(
        "11010120091301001" + "0"
    )  # month 13
    students[2][2] = "12345"
    child = "110101" + "20200101" + "001"  # a child of six
    students[3][2] = child + ric.calc_check_digit(child + "0")
    students[4][1] = 13912345678.0  # a mobile number as a number is fine
    students[5][1] = "+86 139-1234-0000"  # and with +86 and dashes
    job = run_import(workbook_bytes(students=students))
    assert errors_of(job) == {
        ("students", 2, "C", "id_numeric"),
        ("students", 3, "C", "id_birth_date"),
        ("students", 4, "C", "id_format"),
        ("students", 5, "C", "child_under_14"),
    }
    messages = {e.row: e.message for e in job.row_errors.all()}
    assert messages[3] == f"身份证号 110101********001{students[1][2][-1]} 中的出生日期不存在。"
    assert messages[4] == "身份证号应为 18 位：17 位数字加一位数字或 X（*****）。"
    assert "文本" in messages[2]


def test_other_cell_errors(city: SimpleNamespace, run_import: Any) -> None:
    students = rows(6)
    students[0][0] = None
    students[1][0] = "名" * 41
    students[2][8] = "2024级"  # accepted
    students[3][8] = 1980
    students[4][9] = "、".join(f"技能{i}" for i in range(21))
    students[5][7] = "专" * 61
    job = run_import(workbook_bytes(students=students))
    assert errors_of(job) == {
        ("students", 2, "A", "required"),
        ("students", 3, "A", "too_long"),
        ("students", 5, "I", "invalid_grade"),
        ("students", 6, "J", "too_many_skills"),
        ("students", 7, "H", "too_long"),
    }
    assert {e.row: e.message for e in job.row_errors.all()}[2] == "此单元格必填。"


def test_an_empty_cell_in_a_merged_range_says_so(city: SimpleNamespace, run_import: Any) -> None:
    students = rows(3)
    for line in students[1:]:
        line[4] = None
    content = workbook_of({"学生": [HEADER, *students]}, merge={"学生": "E2:E4"})
    job = run_import(content)
    assert errors_of(job) == {("students", 3, "E", "in_merged"), ("students", 4, "E", "in_merged")}
    assert (
        job.row_errors.first().message == "此单元格属于合并区域 E2:E4：请取消合并，并在每一行填写。"
    )


# --- failures while saving ----------------------------------------------------------------------------


def test_a_person_registered_while_saving_rejects_the_file_naming_the_row(
    city: SimpleNamespace,
) -> None:
    """Someone registers one of the file's mobile numbers between checking and saving: the
    saving checks again (under its lock) and rejects the file with that row's error."""
    students = rows(5)
    job = start(
        city,
        workbook_bytes(
            students=students, orgs=[["院系团委", "共青团青州学院化学系委员会", "", UNIVERSITY]]
        ),
    )
    before = Organisation.objects.count()

    def meanwhile(j: ImportJob) -> None:
        if (
            j.state == ImportJob.State.WRITING
            and not User.objects.filter(phone=students[4][1]).exists()
        ):
            user_create(name="抢先注册", phone=students[4][1])

    job = services.import_run(job_id=job.pk, on_progress=meanwhile)
    assert job.state == ImportJob.State.REJECTED
    (error,) = job.row_errors.all()
    assert (error.row, error.code) == (6, "phone_taken") and "手机号" in error.message
    assert (job.students_created, job.orgs_created, job.rows_written) == (0, 0, 0)
    assert (job.error_rows, job.rows_valid) == (1, 5) and job.error_file
    assert Organisation.objects.count() == before and not StudentProfile.objects.exists()
    assert not job.file


def test_a_clash_while_saving_rolls_everything_back(city: SimpleNamespace) -> None:
    """An organisation of the file created between checking and saving: the database refuses
    the second one, and nothing of the file is saved."""
    students = rows(5)
    job = start(
        city,
        workbook_bytes(
            students=students, orgs=[["院系团委", "共青团青州学院化学系委员会", "", UNIVERSITY]]
        ),
    )
    before = Organisation.objects.count()

    def meanwhile(j: ImportJob) -> None:
        if j.state == ImportJob.State.WRITING and Organisation.objects.count() == before:
            OrganisationFactory(
                kind=OrgKind.DEPARTMENT_COMMITTEE,
                name="共青团青州学院化学系委员会",
                parent=city.university,
            )

    job = services.import_run(job_id=job.pk, on_progress=meanwhile)
    assert job.state == ImportJob.State.FAILED and job.problem_code == "changed_meanwhile"
    assert job.problem.startswith("保存期间，有人登记了部分相同的人员或组织。")
    assert (job.students_created, job.orgs_created, job.rows_written) == (0, 0, 0)
    assert Organisation.objects.count() == before + 1 and not StudentProfile.objects.exists()
    assert not job.file


def test_a_job_runs_once(city: SimpleNamespace) -> None:
    job = start(city, workbook_bytes(students=rows(2)))
    assert services.import_run(job_id=job.pk).state == ImportJob.State.DONE
    again = services.import_run(job_id=job.pk)
    assert again.state == ImportJob.State.DONE and StudentProfile.objects.count() == 2


def test_errors_past_the_cap_are_counted_not_stored(
    city: SimpleNamespace, run_import: Any, settings: Any
) -> None:
    settings.QINGSHE_IMPORT_MAX_ERRORS = 3
    students = rows(5)
    for line in students:
        line[1] = "1"
    job = run_import(workbook_bytes(students=students))
    assert job.error_count == 5 and ImportRowError.objects.filter(job=job).count() == 3
    book = load_workbook(job.error_file.open("rb"), read_only=True)
    assert list(book["学生"].iter_rows(values_only=True))[-1][-2].startswith("错误超过 3 处")


def test_purge_deletes_old_error_files(city: SimpleNamespace, run_import: Any) -> None:
    students = rows(2)
    students[0][1] = "1"
    job = run_import(workbook_bytes(students=students))
    assert job.error_file
    assert services.imports_purge(older_than_days=30) == 0
    ImportJob.objects.filter(pk=job.pk).update(finished_at=job.finished_at - timedelta(days=31))
    assert services.imports_purge(older_than_days=30) == 1
    job.refresh_from_db()
    assert not job.error_file and job.row_errors.count() == 1


# --- raw xlsx ---------------------------------------------------------------------------------------


def _raw_xlsx(rows_count: int) -> bytes:
    """A minimal valid .xlsx with `rows_count` student rows, written as XML directly."""
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER)
    )
    body = io.StringIO()
    body.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    body.write(
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    body.write(f'<row r="1">{header}</row>')
    for r in range(2, rows_count + 2):
        body.write(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>学生</t></is></c><c r="B{r}"><v>{13600000000 + r}</v></c></row>'
        )
    body.write("</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        package.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="学生" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        package.writestr("xl/worksheets/sheet1.xml", body.getvalue())
    return out.getvalue()


def test_the_raw_xlsx_helper_is_a_real_workbook() -> None:
    book = load_workbook(io.BytesIO(_raw_xlsx(3)), read_only=True)
    assert list(book["学生"].iter_rows(values_only=True))[1][:2] == ("学生", 13600000002)


def test_uploads_are_checked_by_content_not_by_name(city: SimpleNamespace) -> None:
    job = services.import_start(
        actor=city.league_admin,
        upload=SimpleUploadedFile("名册.csv", workbook_bytes(students=rows(1))),
        enqueue=False,
    )
    assert job.original_name == "名册.csv" and job.file.name.endswith(".xlsx")

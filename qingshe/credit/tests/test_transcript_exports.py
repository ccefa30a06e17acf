"""Second-classroom transcripts (modules, counting rules, PDF, the department's background
export) and the national-field exports (columns, clear ID numbers only for allowed roles)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from qingshe.accounts import services as accounts
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.credit import exports, services, transcript
from qingshe.credit.models import ExportJob
from qingshe.credit.tests.test_certificates import pdf_text
from qingshe.duty.models import DutyMode, TrainingCourse, TrainingRecord
from qingshe.orgs.models import Post, PostKind

ID_NUMBER = "350402200501011236"
VOLUNTEER_COLUMNS = [
    "姓名",
    "性别",
    "出生日期",
    "证件类型",
    "证件号码",
    "志愿者编号",
    "所在地区",
    "联系方式",
    "服务技能",
]
SERVICE_COLUMNS = [
    "姓名",
    "志愿者编号",
    "活动名称",
    "服务日期",
    "服务地点",
    "服务内容",
    "服务时长（小时）",
    "组织单位",
    "负责人",
    "确认人",
    "记录类型",
]


@pytest.fixture
def record(city, serve, student_profile):  # type: ignore[no-untyped-def]
    """学生甲: 2 h regular duty, 8 h 三下乡 (concentrated), a training course, a post, an award."""
    accounts.user_set_id_number(actor=city.student, user=city.student, id_number=ID_NUMBER)
    serve(city.student, days_ago=3, minutes=120)
    serve(city.student, days_ago=2, minutes=480, mode=DutyMode.CONCENTRATED, hour=8)
    course = TrainingCourse.objects.create(
        name="社区急救", topic="first_aid", org=city.community, description="心肺复苏"
    )
    TrainingRecord.objects.create(
        course=course, user=city.student, completed_on=timezone.localdate() - timedelta(days=20)
    )
    Post.objects.create(
        user=city.student,
        org=city.community,
        kind=PostKind.GRID_LEADER,
        start_date=date(2026, 9, 1),
    )
    services.award_record(
        actor=city.department_admin,
        user=city.student,
        org=city.department,
        name="优秀志愿者",
        granted_on=timezone.localdate() - timedelta(days=1),
        granting_body="共青团青州学院经济管理系委员会",
    )
    return city.student


def test_transcript_groups_by_module_with_the_counting_rules(record) -> None:
    t = transcript.transcript_of(record)
    assert [m.key for m in t.modules] == [
        "volunteer",
        "social_practice",
        "posts",
        "training",
        "awards",
    ]
    assert t.volunteer_hours == Decimal("2.0")  # 三下乡 is not volunteer hours
    assert t.practice_hours == Decimal("8.0")
    assert t.module("social_practice").rows[0]["activity"] == "三下乡社会实践"
    assert t.module("posts").rows[0]["post"] == "网格小组长"
    assert t.module("training").rows[0]["name"] == "社区急救"
    assert t.module("awards").rows[0]["name"] == "优秀志愿者"


def test_transcript_pdf_is_chinese(record) -> None:
    text = pdf_text(transcript.transcript_pdf(transcript.transcript_of(record)))
    for expected in [
        "第二课堂成绩单",
        "学生甲",
        "志愿服务",
        "社会实践",
        "三下乡社会实践",
        "8.0",
        "网格小组长",
        "社区急救",
        "优秀志愿者",
        "2024010101",
    ]:
        assert expected in text, expected


def test_department_export_runs_in_the_background_with_progress(
    city, record, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(NotFound):
        services.transcript_export_start(actor=city.secretary, org=city.department)
    with pytest.raises(ValidationFailed):
        services.transcript_export_start(actor=city.league_admin, org=city.community)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.transcript_export_start(actor=city.department_admin, org=city.department)
    job.refresh_from_db()  # the immediate backend ran it on commit
    assert job.state == ExportJob.State.DONE and job.total == job.done == 1 and job.percent == 100
    book = load_workbook(default_storage.open(job.xlsx.name, "rb"), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "学号", "志愿者编号")
    assert rows[1][0] == "学生甲" and rows[1][6] == 2.0 and rows[1][8] == 8.0
    with zipfile.ZipFile(default_storage.open(job.zip.name, "rb")) as archive:
        names = archive.namelist()
        assert names == [f"{record.volunteer_no}-学生甲.pdf"]
        assert "第二课堂成绩单" in pdf_text(archive.read(names[0]))


def test_a_second_export_while_one_runs_is_refused(city, record) -> None:
    ExportJob.objects.create(
        org=city.department, requested_by=city.department_admin, state=ExportJob.State.RUNNING
    )
    with pytest.raises(Conflict):
        services.transcript_export_start(actor=city.department_admin, org=city.department)


def _period() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=60), today


def test_records_excel_has_the_national_columns_with_masked_ids(city, record) -> None:
    start, end = _period()
    req = exports.check_request(
        actor=city.department_admin, org=city.department, start=start, end=end, clear_ids=False
    )
    book = load_workbook(
        io.BytesIO(exports.records_xlsx(actor=city.department_admin, req=req)), read_only=True
    )
    assert book.sheetnames == ["志愿者信息", "服务记录"]
    volunteers = list(book["志愿者信息"].iter_rows(values_only=True))
    assert list(volunteers[0]) == VOLUNTEER_COLUMNS
    assert volunteers[1][0] == "学生甲" and volunteers[1][3] == "居民身份证"
    assert volunteers[1][4] == "350402********1236" and ID_NUMBER not in str(volunteers)
    assert volunteers[1][6] == "福建省三明市"
    services_rows = list(book["服务记录"].iter_rows(values_only=True))
    assert list(services_rows[0]) == SERVICE_COLUMNS
    assert {r[2] for r in services_rows[1:]} == {"敬老院陪伴", "三下乡社会实践"}
    assert sum(r[6] for r in services_rows[1:]) == 10.0
    event = AuditEvent.objects.filter(action="records.export.records").latest("created_at")
    assert event.data["clear_ids"] is False and ID_NUMBER not in str(event.data)


def test_clear_ids_only_for_the_roles_allowed_to_read_them(city, record) -> None:
    start, end = _period()
    with pytest.raises(AccessDenied) as exc:
        exports.check_request(
            actor=city.department_admin, org=city.department, start=start, end=end, clear_ids=True
        )
    assert exc.value.code == "id_numbers_not_allowed"
    req = exports.check_request(
        actor=city.university_admin, org=city.department, start=start, end=end, clear_ids=True
    )
    book = load_workbook(
        io.BytesIO(exports.records_xlsx(actor=city.university_admin, req=req)), read_only=True
    )
    assert list(book["志愿者信息"].iter_rows(values_only=True))[1][4] == ID_NUMBER
    # each person whose number went out in clear has the read in their own trail
    reads = AuditEvent.objects.filter(action="user.id_number.read", actor=city.university_admin)
    assert set(reads.values_list("object_id", flat=True)) == {str(city.student.pk)}
    assert reads.get().data == {"via": "records.export.records"}
    # a masked export reads nobody's number
    req = exports.check_request(
        actor=city.university_admin, org=city.department, start=start, end=end, clear_ids=False
    )
    exports.records_xlsx(actor=city.university_admin, req=req)
    assert reads.count() == 1


def test_outsiders_and_bad_periods_are_refused(city, record) -> None:
    start, end = _period()
    for outsider in (city.student, city.other_staff, city.resident):
        with pytest.raises(NotFound):
            exports.check_request(
                actor=outsider, org=city.department, start=start, end=end, clear_ids=False
            )
    with pytest.raises(ValidationFailed):
        exports.check_request(
            actor=city.department_admin, org=city.department, start=end, end=start, clear_ids=False
        )


def test_csv_tables_and_posts_export(city, record) -> None:
    start, end = _period()
    req = exports.check_request(
        actor=city.department_admin, org=city.department, start=start, end=end, clear_ids=False
    )
    services_csv = exports.records_csv(actor=city.department_admin, req=req, table="services")
    assert services_csv.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(services_csv.lstrip("\ufeff"))))
    assert rows[0] == SERVICE_COLUMNS and len(rows) == 3
    volunteers = list(
        csv.reader(
            io.StringIO(
                exports.records_csv(
                    actor=city.department_admin, req=req, table="volunteers"
                ).lstrip("\ufeff")
            )
        )
    )
    assert volunteers[0] == VOLUNTEER_COLUMNS
    req = exports.check_request(
        actor=city.department_admin,
        org=city.department,
        start=date(2026, 1, 1),
        end=end,
        clear_ids=False,
    )
    posts = load_workbook(
        io.BytesIO(exports.posts_xlsx(actor=city.department_admin, req=req)), read_only=True
    )
    rows = list(posts.active.iter_rows(values_only=True))
    assert list(rows[0]) == ["姓名", "志愿者编号", "所在团支部", "任职", "任期开始", "任期结束"]
    assert (
        rows[1][0] == "学生甲"
        and rows[1][2] == "2024级旅游管理班团支部"
        and "网格小组长" in rows[1][3]
    )
    with pytest.raises(ValidationFailed):
        exports.records_csv(actor=city.department_admin, req=req, table="nope")

"""Pages of credit, each with an outsider: my record, certificates, the public verification,
transcripts, departments with the export, national-field exports."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from qingshe.credit import services
from qingshe.credit.models import Award, Certificate, ExportJob
from qingshe.duty.models import DutyMode


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def _issue(city):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return services.certificate_issue(
        actor=city.student,
        user=city.student,
        period_start=today - timedelta(days=30),
        period_end=today,
    )


def test_my_hours_shows_each_entry_with_its_source(
    city, serve, django_assert_max_num_queries
) -> None:
    attendance = serve(city.student, days_ago=3)
    for n in range(4, 9):
        serve(city.student, days_ago=n)
    c = _client(city.student)
    with django_assert_max_num_queries(20):
        response = c.get("/credit/hours/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "我的志愿服务记录" in html and "12.0" in html
    assert (
        f"/duty/shifts/{attendance.shift_id}/" in html and "团支书" in html and "社区工作者" in html
    )
    assert "<script>" not in html.split("</head>")[1] and " style=" not in html
    assert _client(city.student2).get("/credit/hours/").content.decode().count("敬老院陪伴") == 0


def test_my_hours_needs_a_login(db) -> None:
    assert Client().get("/credit/hours/").status_code == 302


def test_certificate_request_page_issues_and_refuses_a_period_without_hours(city, serve) -> None:
    serve(city.student)
    c = _client(city.student)
    today = timezone.localdate()
    bad = c.post(
        "/credit/certificates/", {"period_start": "2020-01-01", "period_end": "2020-02-01"}
    )
    assert bad.status_code == 422 and "没有已确认的志愿服务时长" in bad.content.decode()
    assert Certificate.objects.count() == 0
    ok = c.post(
        "/credit/certificates/",
        {"period_start": (today - timedelta(days=30)).isoformat(), "period_end": today.isoformat()},
    )
    assert ok.status_code == 302
    cert = Certificate.objects.get()
    page = c.get("/credit/certificates/").content.decode()
    assert cert.number in page and f"/certificates/{cert.code}/verify/" in page
    pdf = c.get(f"/credit/certificates/{cert.code}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert _client(city.student2).get(f"/credit/certificates/{cert.code}.pdf").status_code == 404
    assert (
        _client(city.department_admin).get(f"/credit/certificates/{cert.code}.pdf").status_code
        == 200
    )


def test_public_verification_page_without_login(city, serve) -> None:
    serve(city.student)
    cert = _issue(city)
    anonymous = Client()
    page = anonymous.get(f"/certificates/{cert.code}/verify/")
    html = page.content.decode()
    assert (
        page.status_code == 200 and "真实有效" in html and "学生甲" in html and cert.number in html
    )
    altered = cert.code[:-1] + ("A" if cert.code[-1] != "A" else "B")
    page = anonymous.get(f"/certificates/{altered}/verify/")
    html = page.content.decode()
    assert page.status_code == 404 and "无效" in html and "学生甲" not in html
    assert anonymous.get("/certificates/verify/?code=" + cert.code.lower()).status_code == 302
    services.certificate_revoke(actor=city.university_admin, certificate=cert, reason="重新出具")
    html = anonymous.get(f"/certificates/{cert.code}/verify/").content.decode()
    assert "已撤销" in html and "重新出具" in html


def test_transcript_of_another_student_only_for_those_who_look_after_them(
    city, serve, student_profile
) -> None:
    serve(city.student, mode=DutyMode.CONCENTRATED, minutes=480, hour=8)
    mine = _client(city.student).get("/credit/transcript/").content.decode()
    assert "第二课堂成绩单" in mine and "社会实践" in mine and "8.0" in mine
    for outsider in (city.student2, city.other_staff, city.staff):
        assert _client(outsider).get(f"/credit/people/{city.student.pk}/").status_code == 404
        assert (
            _client(outsider).get(f"/credit/people/{city.student.pk}/transcript.pdf").status_code
            == 404
        )
    steward = _client(city.secretary).get(f"/credit/people/{city.student.pk}/")
    assert steward.status_code == 200 and "学生甲" in steward.content.decode()
    assert "记录表彰奖励" not in steward.content.decode()  # a secretary is no admin
    admin = _client(city.department_admin)
    assert "记录表彰奖励" in admin.get(f"/credit/people/{city.student.pk}/").content.decode()
    pdf = admin.get(f"/credit/people/{city.student.pk}/transcript.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _client(city.student).get("/credit/transcript.pdf").content.startswith(b"%PDF")


def test_admin_records_an_award_and_a_certificate_for_a_person(city, serve) -> None:
    serve(city.student)
    admin = _client(city.department_admin)
    today = timezone.localdate()
    bad = admin.post(
        f"/credit/people/{city.student.pk}/award/",
        {"name": "", "granted_on": today.isoformat(), "granting_body": "系团委"},
    )
    assert bad.status_code == 422 and Award.objects.count() == 0
    ok = admin.post(
        f"/credit/people/{city.student.pk}/award/",
        {"name": "优秀志愿者", "granted_on": today.isoformat(), "granting_body": "系团委"},
    )
    assert ok.status_code == 302 and Award.objects.get().org == city.department
    ok = admin.post(
        f"/credit/people/{city.student.pk}/certificate/",
        {
            "cert-period_start": (today - timedelta(days=10)).isoformat(),
            "cert-period_end": today.isoformat(),
        },
    )
    assert ok.status_code == 302 and Certificate.objects.get().statement["issuer"] == "系团委管理员"
    assert (
        _client(city.secretary)
        .post(
            f"/credit/people/{city.student.pk}/award/",
            {"name": "x", "granted_on": today.isoformat(), "granting_body": "y"},
        )
        .status_code
        == 404
    )
    cert = Certificate.objects.get()
    assert (
        _client(city.student)
        .post(f"/credit/certificates/{cert.code}/revoke/", {"reason": "x"})
        .status_code
        == 404
    )
    cert.refresh_from_db()
    assert cert.revoked_at is None  # only admins over the person revoke
    admin.post(f"/credit/certificates/{cert.code}/revoke/", {"reason": "有误"})
    cert.refresh_from_db()
    assert cert.revoked_at is not None


def test_department_page_and_export_job(
    city, serve, student_profile, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    serve(city.student)
    for outsider in (city.student, city.secretary, city.staff):
        assert (
            _client(outsider).get(f"/credit/departments/{city.department.pk}/").status_code == 404
        )
    admin = _client(city.department_admin)
    page = admin.get(f"/credit/departments/{city.department.pk}/")
    assert page.status_code == 200 and "学生甲" in page.content.decode()
    assert str(city.department.name) in admin.get("/credit/departments/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(f"/credit/departments/{city.department.pk}/").status_code == 302
    job = ExportJob.objects.get()
    partial = admin.get(f"/credit/exports/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in partial and f"/credit/exports/jobs/{job.pk}/xlsx/" in partial
    xlsx = admin.get(f"/credit/exports/jobs/{job.pk}/xlsx/")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert list(book.active.iter_rows(values_only=True))[1][0] == "学生甲"
    for outsider in (city.secretary, city.other_staff):
        assert _client(outsider).get(f"/credit/exports/jobs/{job.pk}/").status_code == 404
        assert _client(outsider).get(f"/credit/exports/jobs/{job.pk}/zip/").status_code == 404


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_page_downloads_and_refuses_clear_ids_to_a_department(city, serve, fmt) -> None:
    serve(city.student)
    today = timezone.localdate()
    admin = _client(city.department_admin)
    assert admin.get("/credit/exports/").status_code == 200
    query = {
        "org": city.department.pk,
        "start": (today - timedelta(days=30)).isoformat(),
        "end": today.isoformat(),
        "format": fmt,
        "table": "services",
    }
    response = admin.get("/credit/exports/", query)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        assert list(book["服务记录"].iter_rows(values_only=True))[1][2] == "敬老院陪伴"
    else:
        assert "敬老院陪伴" in response.content.decode("utf-8-sig")
    refused = admin.get("/credit/exports/", {**query, "clear_ids": "on"})
    assert refused.status_code == 403 and "attachment" not in refused.get("Content-Disposition", "")
    assert "不能导出完整身份证号" in refused.content.decode()
    assert _client(city.student).get("/credit/exports/").status_code == 404
    other = _client(city.other_staff).get("/credit/exports/", query)
    assert other.status_code == 422 and "attachment" not in other.get("Content-Disposition", "")


def test_home_panel_shows_my_hours(city, serve, django_assert_max_num_queries) -> None:
    from qingshe.credit.home import my_volunteer_record

    serve(city.student, minutes=150)
    with django_assert_max_num_queries(3):
        panels = my_volunteer_record(city.student)
    assert panels[0].items[0].badge == "2.5"
    assert my_volunteer_record(city.staff) == []
    assert "我的志愿服务记录" in _client(city.student).get("/").content.decode()


# --- my record: the number of queries stays fixed (issue 11, the student pages) -------------------
def _full_record(city, serve):  # type: ignore[no-untyped-def]
    """Three ledger lines, a training, an award and an evaluation for city.student."""
    from qingshe.duty.models import TrainingCourse, TrainingRecord

    for n in (2, 3, 4):
        serve(city.student, days_ago=n)
    course = TrainingCourse.objects.create(
        name="社区急救", topic="first_aid", org=city.community, description="心肺复苏"
    )
    TrainingRecord.objects.create(
        course=course, user=city.student, completed_on=timezone.localdate() - timedelta(days=20)
    )
    services.award_record(
        actor=city.department_admin, user=city.student, org=city.department, name="优秀志愿者",
        granted_on=timezone.localdate() - timedelta(days=1), granting_body="经管系团委",
    )  # fmt: skip
    services.evaluation_record(
        actor=city.department_admin, user=city.student, org=city.department, rating="excellent",
        evaluated_on=timezone.localdate(), star_level=4, note="认真负责",
    )  # fmt: skip


def test_my_record_with_every_section_filled_in_a_fixed_number_of_queries(
    city, serve, django_assert_max_num_queries
) -> None:
    _full_record(city, serve)
    c = _client(city.student)
    # session, user, what the record holds, ledger lines, training, awards, evaluations, the
    # person's roles (menu and tabs): 8 (was 9 with the SUM and the balance read apart).
    with django_assert_max_num_queries(8):
        html = c.get("/credit/hours/").content.decode()
    assert "社区急救" in html and "优秀志愿者" in html and "认真负责" in html
    assert '<span class="hours-total__n">6.0</span>' in html and "alert--warn" not in html


def test_an_empty_record_reads_no_section(city, django_assert_max_num_queries) -> None:
    c = _client(city.student2)
    with django_assert_max_num_queries(4):  # session, user, what the record holds, roles
        html = c.get("/credit/hours/").content.decode()
    assert '<span class="hours-total__n">0.0</span>' in html
    assert "还没有已确认的时长。" in html and "没有培训记录" in html


def test_the_record_total_is_the_sum_of_the_lines_and_a_differing_balance_is_shown(
    city, serve
) -> None:
    from decimal import Decimal

    from qingshe.credit import selectors
    from qingshe.credit.models import HoursBalance

    for n in (2, 3, 4):
        serve(city.student, days_ago=n)
    record = selectors.record_of(user=city.student)
    assert record.total == Decimal("6.0") == services.hours_total(city.student)
    assert record.cached_total == Decimal("6.0") and record.consistent
    # past the limit the sum is the database's, not the lines read
    assert selectors.record_of(user=city.student, limit=2).total == Decimal("6.0")
    HoursBalance.objects.filter(user=city.student).update(total=Decimal("5.5"))
    record = selectors.record_of(user=city.student)
    assert record.cached_total == Decimal("5.5") and not record.consistent
    assert "alert--warn" in _client(city.student).get("/credit/hours/").content.decode()
    HoursBalance.objects.filter(user=city.student).delete()
    assert selectors.record_of(user=city.student).cached_total is None

"""The import pages: upload (template, form, recent imports), the job page and its polled status
part, the error file and the template; outsiders get 403 (to import) or 404 (someone else's job);
the pages' queries are bounded and carry no inline script or style."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client, override_settings
from openpyxl import load_workbook

from qingshe.imports import services
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def no_inline_code(html: str) -> None:
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_the_upload_page_offers_the_template_and_lists_my_imports(city: SimpleNamespace) -> None:
    services.import_start(
        actor=city.league_admin,
        upload=upload(workbook_bytes(students=rows(1)), "旧名册.xlsx"),
        enqueue=False,
    )
    response = client_for(city.league_admin).get("/imports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "导入名册" in html
        and "下载模板（.xlsx）" in html
        and "旧名册.xlsx" in html
        and "排队中" in html
    )
    assert 'enctype="multipart/form-data"' in html and 'name="valid_only"' in html
    assert "每个工作表最多 100000 行" in html
    no_inline_code(html)
    # The main navigation shows the page to the importers only.
    assert 'href="/imports/"' in html
    assert 'href="/imports/"' not in client_for(city.department_admin).get("/").content.decode()


def test_only_importers_open_the_page_and_the_template(city: SimpleNamespace) -> None:
    for person in (city.department_admin, city.secretary, city.student, city.staff, city.resident):
        client = client_for(person)
        assert client.get("/imports/").status_code == 403
        assert client.get("/imports/template.xlsx").status_code == 403
        assert (
            client.post("/imports/", {"file": upload(workbook_bytes(students=rows(1)))}).status_code
            == 403
        )
    assert Client().get("/imports/").status_code == 302  # to the login page
    assert not ImportJob.objects.exists()


def test_the_template_download(city: SimpleNamespace) -> None:
    response = client_for(city.university_admin).get("/imports/template.xlsx")
    assert response.status_code == 200
    assert (
        "filename*=utf-8''%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
        in response["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["学生", "组织", "填写说明"]
    assert [c.value for c in book["学生"][1]] == [
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
    assert [c.value for c in book["组织"][1]] == ["类型", "名称", "简称", "上级组织"]
    assert book["学生"]["B2"].number_format == "@" and book["学生"].max_row == 2
    notes = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert (
        "每个工作表的第 1 行是列名" in notes and "身份证号" in notes and "最多 100000 行" in notes
    )
    assert (
        book["组织"].data_validations.dataValidation[0].formula1.startswith('"院系团委,班级团支部')
    )


def test_upload_runs_the_import_and_shows_the_result(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(city.league_admin)
    students = rows(25)
    students[7][2] = "110101200309010000"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/", {"file": upload(workbook_bytes(students=students)), "valid_only": "on"}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "已导入 24 名学生，新建 0 个组织。" in html and "有 1 行因错误未导入" in html
    assert (
        "第 9 行" in html
        and "C · 身份证号" in html
        and "身份证号 110101********0000 的校验位不正确。" in html
    )
    assert "110101200309010000" not in html
    assert f'href="/imports/{job.pk}/errors.xlsx"' in html and "hx-trigger" not in html
    no_inline_code(html)
    download = client.get(f"/imports/{job.pk}/errors.xlsx")
    assert (
        download.status_code == 200 and "%E9%94%99%E8%AF%AF.xlsx" in download["Content-Disposition"]
    )


def test_a_bad_file_comes_back_on_the_form(city: SimpleNamespace) -> None:
    response = client_for(city.league_admin).post(
        "/imports/", {"file": upload(b"not a workbook", "名册.xlsx")}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "这不是 Excel 工作簿（.xlsx）" in html and not ImportJob.objects.exists()
    response = client_for(city.league_admin).post("/imports/", {})
    assert response.status_code == 422 and "这个字段是必填项" in response.content.decode()


@override_settings(TASKS=DUMMY_TASKS)
def test_a_running_job_is_polled_every_second_until_it_ends(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(city.league_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/", {"file": upload(workbook_bytes(students=rows(3)))})
    job = ImportJob.objects.get()
    html = client.get(f"/imports/{job.pk}/").content.decode()
    assert f'hx-get="/imports/{job.pk}/status/"' in html and 'hx-trigger="every 1s"' in html
    assert "等待后台任务处理" in html and "<progress" in html
    part = client.get(f"/imports/{job.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="status"') and "<html" not in part
    services.import_run(job_id=job.pk)
    part = client.get(f"/imports/{job.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in part and "已导入 3 名学生" in part
    # Without htmx the status URL is the whole page (every link works without JavaScript).
    assert "<html" in client.get(f"/imports/{job.pk}/status/").content.decode()


def test_errors_are_paginated_in_a_bounded_number_of_queries(
    city: SimpleNamespace, run_import: Any, django_assert_max_num_queries: Any
) -> None:
    students = rows(45)
    for line in students:
        line[1] = "0"
    job = run_import(workbook_bytes(students=students))
    client = client_for(city.league_admin)
    client.get(f"/imports/{job.pk}/")  # warm the session
    with django_assert_max_num_queries(10):
        html = client.get(f"/imports/{job.pk}/?page=3").content.decode()
    assert "第 3 页，共 3 页" in html and "第 46 行" in html and "第 2 行" not in html
    part = client.get(f"/imports/{job.pk}/status/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "第 22 行" in part and f'hx-get="/imports/{job.pk}/status/?page=3"' in part


@pytest.mark.parametrize("suffix", ["", "status/", "errors.xlsx"])
def test_someone_elses_import_is_not_found(
    city: SimpleNamespace, run_import: Any, suffix: str
) -> None:
    students = rows(2)
    students[0][1] = "0"
    job = run_import(workbook_bytes(students=students))
    assert client_for(city.league_admin).get(f"/imports/{job.pk}/{suffix}").status_code == 200
    for person in (city.university_admin, city.district_admin, city.student, city.staff):
        assert client_for(person).get(f"/imports/{job.pk}/{suffix}").status_code == 404

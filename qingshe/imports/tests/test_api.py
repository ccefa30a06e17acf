"""The imports API: upload (multipart) and the job, its errors paginated and its error file;
who may import, who may see a job; bad files refused with 422 and nothing stored."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

from openpyxl import load_workbook

from qingshe.api.tests.utils import API, api_client, assert_error
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes


def post(
    client: Any, content: bytes, *, valid_only: bool | None = None, name: str = "名册.xlsx"
) -> Any:
    data: dict[str, Any] = {"file": upload(content, name)}
    if valid_only is not None:
        data["valid_only"] = "true" if valid_only else "false"
    return client.post(f"{API}/imports", data)


def test_upload_answers_202_and_the_job_reports_progress_and_errors(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(city.league_admin)
    students = rows(30)
    for i in (4, 9, 14):
        students[i][1] = "12"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, workbook_bytes(students=students), valid_only=True)
    assert response.status_code == 202, response.content
    body = response.json()
    job_id = body["id"]
    assert (
        body["state"] in {"queued", "done"}
        and body["file_name"] == "名册.xlsx"
        and body["valid_only"] is True
    )
    body = client.get(f"{API}/imports/{job_id}").json()
    assert (body["state"], body["state_label"], body["percent"]) == ("done", "已导入", 100)
    assert (body["rows_total"], body["rows_read"], body["students_created"]) == (30, 30, 27)
    assert (body["error_count"], body["error_rows"], body["problem"]) == (3, 3, "")
    assert [(e["row"], e["column"], e["code"]) for e in body["first_errors"]] == [
        (6, "B", "invalid_phone"),
        (11, "B", "invalid_phone"),
        (16, "B", "invalid_phone"),
    ]
    assert body["first_errors"][0]["message"] == "不是有效的大陆手机号（11 位，以 13–19 开头）。"
    assert body["errors_url"] == f"/api/v1/imports/{job_id}/errors"
    page = client.get(f"{API}/imports/{job_id}/errors", {"page": 2, "page_size": 2}).json()
    assert page["count"] == 3 and [e["row"] for e in page["items"]] == [16]
    assert page["items"][0]["header"] == "手机号" and page["items"][0]["sheet"] == "students"
    english = (
        api_client(city.league_admin, language="en").get(f"{API}/imports/{job_id}/errors").json()
    )
    assert (
        english["items"][0]["message"]
        == "Not a mainland mobile number (11 digits starting with 13–19)."
    )
    download = client.get(body["error_file_url"])
    assert download.status_code == 200
    assert (
        download["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)["学生"]
    assert [line[-1] for line in sheet.iter_rows(min_row=2, values_only=True)] == [6, 11, 16]


def test_all_or_nothing_is_the_default(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(city.university_admin)
    students = rows(5)
    students[2][8] = "大二"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = post(client, workbook_bytes(students=students)).json()["id"]
    body = client.get(f"{API}/imports/{job_id}").json()
    assert (body["state"], body["students_created"], body["error_count"]) == ("rejected", 0, 1)


def test_bad_files_are_refused_with_their_code_and_nothing_is_stored(city: SimpleNamespace) -> None:
    client = api_client(city.league_admin)
    body = assert_error(post(client, b"name,phone\n", name="x.csv"), 422, "not_xlsx")
    assert body["field"] == "file" and body["detail"].startswith("这不是 Excel 工作簿")
    header_only = workbook_bytes(students=[])
    assert_error(post(client, header_only), 422, "no_rows")
    english = api_client(city.league_admin, language="en")
    body = assert_error(
        post(english, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, name="x.xls"),
        422,
        "xls_file",
    )
    assert body["detail"].startswith("This is an old-style Excel 97–2003 file (.xls).")
    assert_error(client.post(f"{API}/imports", {}), 422, "invalid_input")
    assert not ImportJob.objects.exists()


def test_only_league_and_university_admins_import(city: SimpleNamespace) -> None:
    content = workbook_bytes(students=rows(1))
    for person in (city.student, city.secretary, city.department_admin, city.staff):
        assert_error(post(api_client(person), content), 403, "forbidden")
    assert_error(
        api_client().post(f"{API}/imports", {"file": upload(content)}), 401, "not_authenticated"
    )
    assert not ImportJob.objects.exists()


def test_someone_elses_import_is_not_found(city: SimpleNamespace) -> None:
    job_id = post(api_client(city.league_admin), workbook_bytes(students=rows(1))).json()["id"]
    for person in (city.university_admin, city.district_admin, city.student):
        client = api_client(person)
        assert_error(client.get(f"{API}/imports/{job_id}"), 404, "not_found")
        assert_error(client.get(f"{API}/imports/{job_id}/errors"), 404, "not_found")
        assert_error(client.get(f"{API}/imports/{job_id}/error-file"), 404, "not_found")
    assert_error(
        api_client(city.league_admin).get(f"{API}/imports/{job_id}/error-file"), 404, "not_found"
    )
    assert_error(api_client(city.league_admin).get(f"{API}/imports/99999"), 404, "not_found")


def test_the_job_reads_in_a_bounded_number_of_queries(
    city: SimpleNamespace,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = api_client(city.league_admin)
    students = rows(60)
    for line in students:
        line[1] = "1"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = post(client, workbook_bytes(students=students)).json()["id"]
    with django_assert_max_num_queries(6):
        body = client.get(f"{API}/imports/{job_id}").json()
    assert len(body["first_errors"]) == 20 and body["error_count"] == 60
    with django_assert_max_num_queries(7):
        page = client.get(f"{API}/imports/{job_id}/errors", {"page_size": 50}).json()
    assert page["count"] == 60 and len(page["items"]) == 50

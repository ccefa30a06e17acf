"""Export to Excel on the report pages wired in issue 9's second round: the committee's case
review inbox, the public featured cases (what the public page shows, no person) and the records
behind each number of a dashboard (its period applied). Outsiders get the page's 403/404 and no
file; an unknown format or a period the page cannot read is answered with a message, not a 500."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from qingshe.core.tests.export_helpers import sheet
from qingshe.reports.services import case_review
from qingshe.reports.tests.dashboard_records import build

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-09", "to": "2026-11"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNKNOWN_FORMAT = "列表只能导出为 Excel（.xlsx）文件，本次未导出任何内容。"


def _refused(client: Any, url: str, params: dict[str, str], message: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 302
    assert "export" not in response["Location"] and response["Location"].startswith(url)
    page = client.get(response["Location"])
    assert page.status_code == 200 and not page["Content-Type"].startswith(XLSX)
    html = page.content.decode()
    assert message in html
    return html


# --- the review inbox ---------------------------------------------------------------------------
def test_review_inbox_export_is_the_cases_waiting(
    client: Any, city: SimpleNamespace, submit: Any
) -> None:
    first = submit(title="四点半课堂")
    second = submit(title="社区夜校")
    done = case_review(
        actor=city.league_admin, case=submit(title="已精选的案例"), decision="feature"
    )
    url = reverse("reports:inbox")
    client.force_login(city.league_admin)
    html = client.get(url).content.decode()
    assert "导出 Excel" in html and "export=xlsx" in html
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["标题", "院系", "计划", "照片数", "提交时间", "状态"]
    assert [r[0] for r in rows[1:]] == [first.title, second.title]  # the longest waiting first
    assert done.title not in str(rows)
    assert rows[1][1] == city.department.display_name and rows[1][2] == "2026 社区青春行动"
    assert rows[1][3] == 5 and isinstance(rows[1][4], dt.datetime) and rows[1][5] == "已提交"


def test_review_inbox_export_refused_to_those_who_do_not_review(
    client: Any, city: SimpleNamespace, submit: Any
) -> None:
    case = submit(title="四点半课堂")
    url = reverse("reports:inbox")
    client.force_login(city.department_admin)  # submits cases, does not review them
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 403 and not response["Content-Type"].startswith(XLSX)
    # a league admin below the programme's owner reviews none of its cases
    client.force_login(city.district_admin)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert len(rows) == 1 and case.title not in str(rows)


def test_review_inbox_unknown_format(client: Any, city: SimpleNamespace, submit: Any) -> None:
    submit(title="四点半课堂")
    client.force_login(city.league_admin)
    html = _refused(client, reverse("reports:inbox"), {"export": "pdf"}, UNKNOWN_FORMAT)
    assert "四点半课堂" in html


# --- the public featured cases ------------------------------------------------------------------
def test_featured_export_is_what_the_public_page_shows(
    client: Any, city: SimpleNamespace, submit: Any
) -> None:
    older = case_review(
        actor=city.league_admin, case=submit(title="四点半课堂"), decision="feature"
    )
    newer = case_review(actor=city.league_admin, case=submit(title="社区夜校"), decision="feature")
    submit(title="还在审核")
    url = reverse("reports:featured")
    html = client.get(url).content.decode()  # anonymous: the page and its button
    assert "导出 Excel" in html
    # the file is for signed-in people (every export is logged by who made it)
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(city.resident)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["标题", "院系", "高校", "年度", "摘要"]
    assert [r[0] for r in rows[1:]] == [newer.title, older.title]  # the page's order
    assert rows[1][1:4] == [city.department.display_name, city.university.display_name, 2026]
    assert rows[1][4].startswith("社区青春行动") and len(rows[1][4]) == 90  # the page's excerpt
    text = str(rows)
    assert "还在审核" not in text
    for person in (city.department_admin, city.league_admin):  # who submitted, who reviewed
        assert person.name not in text and person.phone not in text


def test_featured_unknown_format(client: Any, city: SimpleNamespace, submit: Any) -> None:
    case_review(actor=city.league_admin, case=submit(title="四点半课堂"), decision="feature")
    client.force_login(city.resident)
    _refused(client, reverse("reports:featured"), {"export": "docx"}, UNKNOWN_FORMAT)


# --- the records behind a dashboard's numbers ---------------------------------------------------
@pytest.fixture
def c(city: Any) -> Any:
    return build(city)


def _cell(value: Any) -> Any:
    """A page cell as the spreadsheet holds it (dates typed, text as text)."""
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        return value or None
    return value


def test_every_dashboard_record_list_exports_its_rows(client: Any, c: Any) -> None:
    from qingshe.reports.dashboard.records import RECORDS

    client.force_login(c.league_admin)
    exported = 0
    for figure, spec in RECORDS.items():
        url = reverse("dashboard:records", args=[c.city.pk, figure])
        page = client.get(url, PERIOD)
        assert page.status_code == 200, figure
        cells = [[_cell(v) for _label, v in row] for row, _url in page.context["rows"]]
        if cells:
            assert "export=xlsx" in page.content.decode(), figure
        rows = sheet(client.get(url, {**PERIOD, "export": "xlsx"}))
        assert rows[0] == [str(h) for h in spec.columns], figure
        body = [[float(v) if hasattr(v, "as_tuple") else v for v in r] for r in rows[1:]]
        want = [[float(v) if hasattr(v, "as_tuple") else v for v in r] for r in cells]
        assert body == want, figure
        exported += len(body)
    assert exported > 10  # the fixture's records do show up


def test_dashboard_export_follows_the_period(client: Any, c: Any) -> None:
    url = reverse("dashboard:records", args=[c.community.pk, "hours"])
    client.force_login(c.staff)
    rows = sheet(client.get(url, {**PERIOD, "export": "xlsx"}))
    assert rows[0] == ["日期", "人员", "活动", "组织单位", "类型", "小时"]
    assert [r[0].date() for r in rows[1:]] == [dt.date(2026, 10, 10), dt.date(2026, 9, 12)]
    assert rows[1][1] == "学生甲" and rows[1][5] == 3
    rows = sheet(client.get(url, {"from": "2026-10", "to": "2026-10", "export": "xlsx"}))
    assert [r[0].date() for r in rows[1:]] == [dt.date(2026, 10, 10)]


@pytest.mark.parametrize("who", ["other_staff", "student", "district_admin"])
def test_dashboard_export_outsiders_get_404(client: Any, c: Any, who: str) -> None:
    client.force_login(getattr(c, who))
    url = reverse("dashboard:records", args=[c.city.pk, "hours"])
    response = client.get(url, {**PERIOD, "export": "xlsx"})
    assert response.status_code == 404 and not response["Content-Type"].startswith(XLSX)


def test_dashboard_export_bad_period_unknown_figure_and_format(client: Any, c: Any) -> None:
    url = reverse("dashboard:records", args=[c.city.pk, "hours"])
    client.force_login(c.league_admin)
    html = _refused(client, url, {"from": "2026-13", "to": "2026-11", "export": "xlsx"}, "未导出：")
    assert "学生甲" in html  # the page itself, with its default period
    _refused(client, url, {**PERIOD, "export": "csv"}, UNKNOWN_FORMAT)
    nonsense = reverse("dashboard:records", args=[c.city.pk, "nonsense"])
    assert client.get(nonsense, {**PERIOD, "export": "xlsx"}).status_code == 404


def test_large_dashboard_export_runs_as_a_job(
    client: Any, c: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from qingshe.core.exports import services as exports
    from qingshe.core.exports.models import ExportJob

    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    url = reverse("dashboard:records", args=[c.city.pk, "hours"])
    client.force_login(c.league_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {**PERIOD, "export": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert job.spec == "dashboard.hours" and job.state == "done" and job.done == 2
    rows = sheet(client.get(f"/exports/{job.pk}/download/"))
    assert [r[1] for r in rows[1:]] == ["学生甲", "学生甲"]
    assert [r[0].date() for r in rows[1:]] == [dt.date(2026, 10, 10), dt.date(2026, 9, 12)]

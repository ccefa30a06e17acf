"""Exports: a list page exports exactly its rows (scope and filters of its own selector), cells
that would run as formulas are neutralised, phone and ID numbers are masked for those who may
not read them, large lists become a background job with a download for its owner only."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from qingshe.core.exports import services as exports
from qingshe.core.exports.models import ExportJob
from qingshe.core.exports.writer import neutralise
from qingshe.core.models import AuditEvent
from qingshe.core.tests.helpers import make_id_number
from qingshe.needs.services import need_submit

BASE = {"project_type": "governance", "service_field": "technology"}


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment;" in response["Content-Disposition"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def _needs(city: SimpleNamespace) -> None:
    need_submit(actor=city.resident, community=city.community, title="帮老人学用智能手机", **BASE)
    need_submit(
        actor=city.resident, community=city.community, title='=HYPERLINK("http://x")', **BASE
    )
    need_submit(
        actor=city.other_resident, community=city.other_community, title="列西社区的需求", **BASE
    )


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("普通文字", "普通文字"),
        ("a=b", "a=b"),
        ("bad\x00char", "badchar"),
    ],
)
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_board_export_is_the_page_scope_and_filters(city: SimpleNamespace) -> None:
    _needs(city)
    rows = _sheet(_client(city.staff).get("/needs/", {"state": "all", "export": "xlsx"}))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["编号", "标题", "状态"]
    titles = {r[1] for r in body}
    assert "帮老人学用智能手机" in titles and "列西社区的需求" not in titles
    assert len(body) == 2
    # the page's search filter applies
    rows = _sheet(
        _client(city.staff).get("/needs/", {"state": "all", "q": "智能手机", "export": "xlsx"})
    )
    assert [r[1] for r in rows[1:]] == ["帮老人学用智能手机"]
    # another community's staff get their own rows only
    rows = _sheet(_client(city.other_staff).get("/needs/", {"state": "all", "export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["列西社区的需求"]
    assert AuditEvent.objects.filter(action="export.download", actor=city.staff).count() == 2


def test_formula_in_data_is_written_as_text(city: SimpleNamespace) -> None:
    _needs(city)
    response = _client(city.staff).get("/needs/", {"state": "all", "export": "xlsx"})
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [row[1] for row in ws.iter_rows(min_row=2)]
    evil = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert evil.data_type == "s"
    assert evil.value == '\'=HYPERLINK("http://x")'
    assert not any(str(c.value).startswith("=") for row in ws.iter_rows() for c in row if c.value)


def test_member_export_masks_numbers_for_those_who_may_not_read_them(city: SimpleNamespace) -> None:
    from qingshe.accounts.services import user_create
    from qingshe.orgs.models import Role
    from qingshe.orgs.tests.factories import MembershipFactory

    number = make_id_number(date(2005, 3, 1))
    person = user_create(name="有身份证的学生", phone="13912345678", id_number=number)
    MembershipFactory(user=person, org=city.branch, role=Role.STUDENT)
    url = f"/orgs/{city.branch.pk}/"

    def row_of(user: Any) -> list[Any]:
        rows = _sheet(_client(user).get(url, {"export": "xlsx"}))
        assert rows[0][4:] == ["手机号", "身份证号"]
        return next(r for r in rows[1:] if r[0] == "有身份证的学生")

    # the league admin of the city may read both
    assert row_of(city.league_admin)[4:] == ["13912345678", number]
    # the branch secretary looks after the person (contact) but may not read ID numbers
    row = row_of(city.secretary)
    assert row[4] == "13912345678" and row[5] == f"{number[:6]}********{number[-4:]}"
    # a classmate sees the members list but neither number
    row = row_of(city.student)
    assert row[4] == "139****5678" and number not in row


def test_export_refused_without_the_list(city: SimpleNamespace) -> None:
    # the members list is for those who may see it: an outsider gets the page's own answer
    r = _client(city.other_resident).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    assert r.status_code == 404 and not r.get("Content-Disposition")
    # a page that is visible but whose members list is not: no export, the page as usual
    r = _client(city.student).get(f"/orgs/{city.department.pk}/", {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")


def test_too_many_rows_is_refused_with_a_message(city: SimpleNamespace, monkeypatch: Any) -> None:
    _needs(city)
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    r = _client(city.staff).get("/needs/", {"state": "all", "export": "xlsx"}, follow=True)
    assert "超过 1 行" in r.content.decode()
    assert not ExportJob.objects.exists()


def test_large_list_runs_as_a_job_for_its_owner_only(
    city: SimpleNamespace, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _needs(city)
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    client = _client(city.staff)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/needs/", {"state": "all", "export": "xlsx"})
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/exports/{job.pk}/"
    assert job.state == "done" and job.done == 2 and job.row_ids == []
    html = client.get(f"/exports/{job.pk}/").content.decode()
    assert "下载 Excel 文件" in html
    rows = _sheet(client.get(f"/exports/{job.pk}/download/"))
    assert {r[1] for r in rows[1:]} == {"帮老人学用智能手机", '\'=HYPERLINK("http://x")'}
    # somebody else: 404 for the page, the status and the file
    other = _client(city.other_staff)
    for path in (
        f"/exports/{job.pk}/",
        f"/exports/{job.pk}/status/",
        f"/exports/{job.pk}/download/",
    ):
        assert other.get(path).status_code == 404


def test_job_not_ready_has_no_file(city: SimpleNamespace) -> None:
    job = ExportJob.objects.create(
        requested_by=city.staff, spec="needs.board", row_ids=[1], total=1
    )
    client = _client(city.staff)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    html = client.get(f"/exports/{job.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html and "<html" not in html


def test_job_delivered_twice_runs_once(city: SimpleNamespace) -> None:
    _needs(city)
    from qingshe.needs.models import Need

    ids = list(Need.objects.values_list("pk", flat=True))
    job = ExportJob.objects.create(
        requested_by=city.staff, spec="needs.board", row_ids=ids, total=len(ids)
    )
    first = exports.export_run(job_id=job.pk)
    name = first.file.name
    second = exports.export_run(job_id=job.pk)
    assert second.state == "done" and second.file.name == name


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("student", "/duty/"),
        ("department_admin", "/programmes/applications/"),
        ("department_admin", "/programmes/pairings/"),
        ("department_admin", "/cases/"),
        ("university_admin", "/imports/"),
        ("department_admin", "/credit/departments/{department}/"),
        ("staff", "/resources/"),
        ("league_admin", "/programmes/"),
    ],
)
def test_every_wired_list_exports(city: SimpleNamespace, who: str, path: str) -> None:
    r = _client(getattr(city, who)).get(
        path.format(department=city.department.pk), {"export": "xlsx"}
    )
    rows = _sheet(r)
    assert rows and all(isinstance(h, str) and h for h in rows[0])


def test_admin_lists_jobs_and_deliveries_read_only(city: SimpleNamespace) -> None:
    from qingshe.accounts.tests.factories import UserFactory

    ExportJob.objects.create(requested_by=city.staff, spec="needs.board", row_ids=[1], total=1)
    admin_user = UserFactory(name="平台管理员")
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client = _client(admin_user)
    assert client.get("/admin/core/exportjob/").status_code == 200
    assert client.get("/admin/core/notificationdelivery/").status_code == 200
    assert client.get("/admin/core/exportjob/add/").status_code == 403


def test_button_carries_the_filters_also_after_an_htmx_filter_change(city: SimpleNamespace) -> None:
    _needs(city)
    client = _client(city.staff)
    html = client.get(
        "/needs/", {"state": "all", "q": "智能", "page": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in html  # the partial the filter form swaps in
    assert 'href="/needs/?state=all&amp;q=%E6%99%BA%E8%83%BD&amp;export=xlsx"' in html
    assert "导出 Excel" in html


def test_old_export_files_are_purged(city: SimpleNamespace) -> None:
    import io as _io
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    _needs(city)
    from qingshe.needs.models import Need

    ids = list(Need.objects.values_list("pk", flat=True))
    old = ExportJob.objects.create(
        requested_by=city.staff, spec="needs.board", row_ids=ids, total=len(ids)
    )
    exports.export_run(job_id=old.pk)
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = ExportJob.objects.create(
        requested_by=city.staff, spec="needs.board", row_ids=ids, total=len(ids)
    )
    waiting = ExportJob.objects.create(
        requested_by=city.staff, spec="needs.board", row_ids=ids, total=len(ids)
    )
    ExportJob.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=30))
    out = _io.StringIO()
    call_command("exports-purge", stdout=out)
    assert not storage.exists(name)
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}

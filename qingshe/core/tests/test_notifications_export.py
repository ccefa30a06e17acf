"""Export to Excel on the notification centre (/notifications/): the person's own notifications
as the page lists them (newest first; 未读 only with ?show=unread), title, text, when sent and
when read. Another person's notifications never appear; an anonymous visitor gets the login
page and no file; an unknown format goes back to the page (its filter kept) with a message;
a long list goes through a background job that only its requester can download."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qingshe.core.exports import services as exports
from qingshe.core.exports.models import ExportJob
from qingshe.core.models import Notification
from qingshe.core.tests.export_helpers import sheet

pytestmark = pytest.mark.django_db

URL = "/notifications/"
HEADER = ["标题", "内容", "发送时间", "阅读时间"]
UNKNOWN_FORMAT = "列表只能导出为 Excel（.xlsx）文件，本次未导出任何内容。"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def notes(city: SimpleNamespace) -> SimpleNamespace:
    """Three of the student's (the oldest read), one of another student's."""
    n = SimpleNamespace()
    n.old = Notification.objects.create(
        user=city.student, kind="a.b", title="报名已确认：邻里节", body="9 月 1 日 9:00 集合"
    )
    n.middle = Notification.objects.create(
        user=city.student, kind="a.b", title='=HYPERLINK("x")', body=""
    )
    n.new = Notification.objects.create(
        user=city.student, kind="a.b", title="新派单：帮白沙社区老人买菜", url="/needs/"
    )
    base = timezone.now() - timedelta(days=3)
    for i, note in enumerate((n.old, n.middle, n.new)):
        Notification.objects.filter(pk=note.pk).update(created_at=base + timedelta(hours=i))
    Notification.objects.filter(pk=n.old.pk).update(read_at=base + timedelta(hours=5))
    n.theirs = Notification.objects.create(user=city.student2, kind="a.b", title="别人的通知")
    return n


def test_export_is_the_list_the_page_shows(city: SimpleNamespace, notes: SimpleNamespace) -> None:
    c = _client(city.student)
    html = c.get(URL).content.decode()
    assert "导出 Excel" in html and "export=xlsx" in html
    rows = sheet(c.get(URL, {"export": "xlsx"}))
    assert rows[0] == HEADER
    # newest first, as on the page; a title that looks like a formula stays text
    assert [r[0] for r in rows[1:]] == [
        "新派单：帮白沙社区老人买菜",
        '\'=HYPERLINK("x")',
        "报名已确认：邻里节",
    ]
    new, _middle, old = rows[1:]
    assert new[3] == "未读" and old[1] == "9 月 1 日 9:00 集合"
    sent = timezone.localtime(Notification.objects.get(pk=notes.old.pk).created_at)
    read = timezone.localtime(Notification.objects.get(pk=notes.old.pk).read_at)
    assert old[2] == sent.replace(tzinfo=None, microsecond=old[2].microsecond)
    assert old[3] == read.replace(tzinfo=None, microsecond=old[3].microsecond)
    for title in ("新派单：帮白沙社区老人买菜", "报名已确认：邻里节"):
        assert title in html


def test_unread_filter_is_applied(city: SimpleNamespace, notes: SimpleNamespace) -> None:
    c = _client(city.student)
    html = c.get(URL, {"show": "unread"}).content.decode()
    assert "show=unread&amp;export=xlsx" in html  # the button carries the page's filter
    rows = sheet(c.get(URL, {"show": "unread", "export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["新派单：帮白沙社区老人买菜", '\'=HYPERLINK("x")']
    assert all(r[3] == "未读" for r in rows[1:])


def test_another_persons_notifications_never_appear(
    city: SimpleNamespace, notes: SimpleNamespace
) -> None:
    mine = sheet(_client(city.student).get(URL, {"export": "xlsx"}))
    assert "别人的通知" not in str(mine)
    theirs = sheet(_client(city.student2).get(URL, {"export": "xlsx"}))
    assert [r[0] for r in theirs[1:]] == ["别人的通知"]
    # somebody with none gets the header only, never anyone else's
    empty = sheet(_client(city.resident).get(URL, {"export": "xlsx"}))
    assert empty == [HEADER]


def test_anonymous_visitor_gets_the_login_page_and_no_file(notes: SimpleNamespace) -> None:
    response = Client().get(URL, {"export": "xlsx"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ExportJob.objects.exists()


def test_unknown_format_goes_back_to_the_page_with_its_filter(
    city: SimpleNamespace, notes: SimpleNamespace
) -> None:
    c = _client(city.student)
    response = c.get(URL, {"show": "unread", "export": "csv"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?show=unread"
    page = c.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "只能导出为 Excel" in html and UNKNOWN_FORMAT in html
    assert "报名已确认：邻里节" not in html  # still the unread list
    assert not ExportJob.objects.exists()


def test_long_list_runs_as_a_job_only_its_requester_downloads(
    city: SimpleNamespace,
    notes: SimpleNamespace,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    c = _client(city.student)
    at_once = sheet(c.get(URL, {"show": "unread", "export": "xlsx"}))
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.get(URL, {"show": "unread", "export": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert job.spec == "core.notifications" and job.state == "done" and job.done == 2
    assert sheet(c.get(f"/exports/{job.pk}/download/")) == at_once
    assert _client(city.student2).get(f"/exports/{job.pk}/download/").status_code == 404

"""The training course list exports what it shows to Excel: the courses of the organisations the
person manages training for (its own selector, its order), with each course's topic, organiser,
validity and people trained; someone who may not see the list gets its 403 and no file."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from qingshe.core.exports import services as exports
from qingshe.core.exports.models import ExportJob
from qingshe.core.tests.export_helpers import sheet
from qingshe.duty import services


def _courses(city: SimpleNamespace, duty: SimpleNamespace) -> None:
    today = timezone.localdate()
    door = services.training_course_create(
        actor=city.staff, org=city.community, name="入户走访", topic="door_to_door", valid_months=12
    )
    services.training_course_create(
        actor=city.other_staff, org=city.other_community, name="列西调解培训", topic="mediation"
    )
    for person in (city.student, city.resident):
        services.training_record(
            actor=city.staff, course=duty.course, user=person, completed_on=today
        )
    services.training_record(actor=city.staff, course=door, user=city.resident, completed_on=today)


def test_course_list_export_is_the_courses_in_scope(
    client: Any, city: SimpleNamespace, duty: SimpleNamespace
) -> None:
    _courses(city, duty)
    url = reverse("duty:training")
    client.force_login(city.staff)
    page = client.get(url).content.decode()
    assert "export=xlsx" in page and "列西调解培训" not in page
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["名称", "主题", "组织单位", "有效期（月）", "已培训人数"]
    # the page's rows in its order (by name): the community's two courses, not the other one's
    assert rows[1:] == [
        ["入户走访", "入户走访", "白沙社区", 12, 1],
        ["社区急救", "急救", "白沙社区", None, 2],
    ]
    # the other community's staff: their own course only
    client.force_login(city.other_staff)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["列西调解培训"]


def test_course_list_export_refused_to_those_without_the_list(
    client: Any, city: SimpleNamespace, duty: SimpleNamespace
) -> None:
    _courses(city, duty)
    url = reverse("duty:training")
    for who in (city.student, city.resident):
        client.force_login(who)
        answer = client.get(url, {"export": "xlsx"})
        assert answer.status_code == 403 and not answer.get("Content-Disposition")
    client.logout()
    answer = client.get(url, {"export": "xlsx"})
    assert answer.status_code == 302 and not answer.get("Content-Disposition")


def test_course_list_bad_export_requests(
    client: Any, city: SimpleNamespace, duty: SimpleNamespace, monkeypatch: Any
) -> None:
    _courses(city, duty)
    url = reverse("duty:training")
    client.force_login(city.staff)
    # a format not offered: back to the page saying so, no file
    answer = client.get(url, {"export": "csv"})
    assert answer.status_code == 302 and answer["Location"] == url
    answer = client.get(answer["Location"])
    assert not answer.get("Content-Disposition")
    assert "只能导出为 Excel" in answer.content.decode() and "社区急救" in answer.content.decode()
    # a POST carrying ?export is the course form (its own errors), never a file
    answer = client.post(
        f"{url}?export=xlsx", {"org": city.community.pk, "name": "", "topic": "nope"}
    )
    assert answer.status_code == 422 and not answer.get("Content-Disposition")
    assert "列西" not in answer.content.decode()
    # too many rows: back to the page with a clear message, nothing queued
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    answer = client.get(url, {"export": "xlsx"}, follow=True)
    assert answer.redirect_chain == [(url, 302)]
    assert "超过 1 行" in answer.content.decode()
    assert not ExportJob.objects.exists()

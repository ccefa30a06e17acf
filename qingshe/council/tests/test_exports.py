"""The council's monthly list (one community's list of one month) and the work feedback forms
export what their pages show to Excel; outsiders get the page's 404 or none of the rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from qingshe.core.tests.export_helpers import sheet
from qingshe.council import services
from qingshe.council.tests.conftest import local
from qingshe.council.tests.council_support import final_list
from qingshe.council.tests.test_feedback import DATA
from qingshe.programmes import services as programme_services
from qingshe.programmes.models import Pairing

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_monthly_list_export_is_the_list_items(council):  # type: ignore[no-untyped-def]
    mlist = final_list(council, titles=("楼道堆物清理", "=小区停车难"))
    url = f"/council/lists/{mlist.pk}/"
    page = _client(council.member).get(url)
    assert "export=xlsx" in page.content.decode()
    rows = sheet(_client(council.member).get(url, {"export": "xlsx"}))
    assert rows[0][:3] == ["排序", "需求", "需求状态"]
    # the page's items, in its order, this list only
    assert [r[1] for r in rows[1:]] == [
        i.need.title.replace("=", "'=") for i in page.context["items"]
    ]
    assert {r[1] for r in rows[1:]} == {"楼道堆物清理", "'=小区停车难"}
    assert [r[0] for r in rows[1:]] == [1, 2]
    # a council member of another community: the page's 404, no file
    answer = _client(council.other_member).get(url, {"export": "xlsx"})
    assert answer.status_code == 404 and not answer.get("Content-Disposition")


@pytest.fixture
def pairing(city):  # type: ignore[no-untyped-def]
    programme = programme_services.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="大学生社区实践计划",
        year=2026,
        scope=[city.university, city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    return Pairing.objects.create(
        programme=programme,
        unit=city.branch,
        community=city.community,
        state=Pairing.State.ACTIVE,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 6, 30),
        started_at=local(2026, 9, 10, 9),
    )


def test_feedback_export_is_the_forms_in_scope(city, pairing):  # type: ignore[no-untyped-def]
    for month, now in ((9, local(2026, 10, 3, 9)), (10, local(2026, 11, 12, 9))):
        services.feedback_file(
            actor=city.secretary, pairing=pairing, year=2026, month=month, now=now, **DATA
        )
    rows = sheet(_client(city.staff).get("/council/feedback/", {"export": "xlsx"}))
    assert rows[0][:4] == ["月份", "高校方", "社区方", "状态"]
    # newest month first, as on the page
    assert [r[0] for r in rows[1:]] == ["2026-10", "2026-09"]
    assert rows[1][1] == city.branch.name and rows[1][2] == city.community.name
    assert rows[1][5:8] == [3, 12, 18.5]
    # the other community's staff and a student: none of these rows
    assert len(sheet(_client(city.other_staff).get("/council/feedback/", {"export": "xlsx"}))) == 1
    assert len(sheet(_client(city.student).get("/council/feedback/", {"export": "xlsx"}))) == 1

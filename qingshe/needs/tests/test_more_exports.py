"""Export to Excel on the needs pages wired in issue 9's second round: a student's applications
to project groups, the project group list, a resident's orders, the needs open to claim and a
volunteer's offers.
Each .xlsx holds the rows its page shows, with the page's filters; someone outside the page's
scope gets none of them (or the login page); an unknown format or a bad filter is answered
clearly (the page, a message), never with a 500."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from qingshe.core.tests.export_helpers import sheet
from qingshe.needs import services
from qingshe.needs.models import Need, NeedAssignment, NeedFollower, ProjectGroup, ProjectMember
from qingshe.needs.services import dispatch as ds
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.conftest import STATEMENT
from qingshe.needs.tests.needs_support import BASE, submit

at = dispatch_setup.at
dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNKNOWN_FORMAT = "列表只能导出为 Excel（.xlsx）文件，本次未导出任何内容。"


def _refused(client: Any, url: str, params: dict[str, str]) -> str:
    """An unknown format: back to the page (its filters kept), no file, the message shown."""
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 302
    assert "export" not in response["Location"] and response["Location"].startswith(url)
    for key, value in params.items():
        assert f"{key}={value}" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and not page["Content-Type"].startswith(XLSX)
    html = page.content.decode()
    assert UNKNOWN_FORMAT in html
    return html


# --- a student's applications -----------------------------------------------------------------
def test_my_applications_export_is_the_page_rows(
    client: Any, city: SimpleNamespace, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    first = services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    services.project_join_decide(actor=city.secretary, member=first, accept=True)
    second = services.project_join_apply(actor=city.student, group=dept_group, statement=STATEMENT)
    services.project_join_decide(
        actor=city.department_admin, member=second, accept=False, reason="名额已满"
    )
    url = reverse("projects:mine")
    client.force_login(city.student)
    html = client.get(url).content.decode()
    assert "导出 Excel" in html and "export=xlsx" in html
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["项目组", "组织", "状态", "角色", "报名日期", "审核日期", "说明的理由"]
    # newest first, as on the page
    assert [r[0] for r in rows[1:]] == ["社会调查项目组", "社区宣传项目组"]
    declined, accepted = rows[1], rows[2]
    assert declined[1] == city.department.display_name and declined[2] == "未通过"
    assert declined[3] is None and declined[6] == "名额已满"  # a role only once accepted
    assert accepted[2] == "已通过" and accepted[3] == "组员"
    assert accepted[4] is not None and accepted[5] is not None  # dates as dates


def test_my_applications_export_is_only_ones_own(
    client: Any, city: SimpleNamespace, application: ProjectMember
) -> None:
    url = reverse("projects:mine")
    client.force_login(city.student2)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert len(rows) == 1 and "社区宣传项目组" not in str(rows)
    client.logout()
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the project group list -------------------------------------------------------------------
def test_group_list_export_applies_the_filters(
    client: Any, city: SimpleNamespace, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    services.project_join_decide(
        actor=city.secretary,
        member=services.project_join_apply(actor=city.student, group=group, statement=STATEMENT),
        accept=True,
    )
    url = reverse("projects:list")
    client.force_login(city.department_admin)
    html = client.get(url, {"project_type": "survey"}).content.decode()
    assert "export=xlsx" in html and "project_type=survey" in html
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["名称", "状态", "项目类型", "领域", "组织", "成员", "指导教师"]
    assert [r[0] for r in rows[1:]] == ["社会调查项目组", "社区宣传项目组"]  # the page's order
    propaganda = rows[2]
    assert propaganda[1] == "进行中" and propaganda[4] == city.branch.display_name
    assert propaganda[5] == 1 and propaganda[6] == "指导老师"  # the accepted student
    rows = sheet(client.get(url, {"project_type": "survey", "export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["社会调查项目组"]
    rows = sheet(client.get(url, {"service_field": "policy", "state": "open", "export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["社区宣传项目组"]


def test_group_list_export_outside_the_scope_has_none(
    client: Any, city: SimpleNamespace, group: ProjectGroup
) -> None:
    client.force_login(city.other_staff)
    rows = sheet(client.get(reverse("projects:list"), {"export": "xlsx"}))
    assert len(rows) == 1 and group.name not in str(rows)


def test_group_list_bad_filter_and_unknown_format(
    client: Any, city: SimpleNamespace, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    url = reverse("projects:list")
    client.force_login(city.department_admin)
    # A filter value the page does not know is ignored by the page, and so by its export.
    page = client.get(url, {"project_type": "bogus"})
    assert page.status_code == 200 and "2个项目组" in page.content.decode()
    rows = sheet(client.get(url, {"project_type": "bogus", "export": "xlsx"}))
    assert len(rows) == 3
    _refused(client, url, {"project_type": "survey"})


# --- a resident's orders ----------------------------------------------------------------------
def test_my_orders_export_with_the_state_tab(client: Any, city: SimpleNamespace) -> None:
    older = submit(city, title="楼道灯不亮")
    newer = submit(city, title="帮老人学用智能手机")
    Need.objects.filter(pk=older.pk).update(state=Need.State.VERIFIED)
    url = reverse("needs:mine")
    client.force_login(city.resident)
    assert "export=xlsx" in client.get(url).content.decode()
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["编号", "标题", "状态", "社区", "点单日期", "已关注"]
    assert [r[0] for r in rows[1:]] == [newer.pk, older.pk]
    assert rows[1][1] == "帮老人学用智能手机" and rows[1][3] == "白沙社区"
    assert [r[5] for r in rows[1:]] == [None, None]  # their own orders, not followed
    rows = sheet(client.get(url, {"state": "verified", "export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["楼道灯不亮"]
    rows = sheet(client.get(url, {"state": "open", "export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["帮老人学用智能手机"]
    # a need someone else reported that this resident follows: on the page with its tag, and so
    # in the file
    theirs = services.need_submit(
        actor=city.other_resident,
        community=city.other_community,
        **{**BASE, "title": "小区门口积水"},
    )
    NeedFollower.objects.create(need=theirs, user=city.resident)
    assert "已关注" in client.get(url).content.decode()
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [(r[1], r[5]) for r in rows[1:]] == [
        ("小区门口积水", "是"),
        ("帮老人学用智能手机", None),
        ("楼道灯不亮", None),
    ]


def test_my_orders_export_of_another_resident_has_none(client: Any, city: SimpleNamespace) -> None:
    submit(city, title="楼道灯不亮")
    client.force_login(city.other_resident)
    rows = sheet(client.get(reverse("needs:mine"), {"export": "xlsx"}))
    assert len(rows) == 1 and "楼道灯不亮" not in str(rows)


def test_my_orders_bad_state_and_unknown_format(client: Any, city: SimpleNamespace) -> None:
    submit(city, title="楼道灯不亮")
    url = reverse("needs:mine")
    client.force_login(city.resident)
    rows = sheet(client.get(url, {"state": "nonsense", "export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["楼道灯不亮"]  # the page shows all then, and so does this
    html = _refused(client, url, {"state": "open"})
    assert "楼道灯不亮" in html


# --- needs open to claim ----------------------------------------------------------------------
def test_claims_export_is_the_page_rows(client: Any, dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True, urgency=2)
    online = dispatch_setup.make_need(
        d, title="线上作业辅导", open_claim=True, is_remote=True, people=3
    )
    url = reverse("dispatch:claims")
    client.force_login(c.student)
    html = client.get(url).content.decode()
    assert "导出 Excel" in html and f"{url}?export=xlsx" in html
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["编号", "标题", "紧急程度", "地点", "最近时段", "已占名额", "所需人数"]
    assert [r[0] for r in rows[1:]] == [d.need.pk, online.pk]  # most urgent first, as the page
    assert rows[1][3] == "白沙社区" and rows[1][5] == 0 and rows[1][6] == 2
    assert rows[2][3] == "线上"
    assert rows[1][4] and rows[1][4] in html  # the same "next time" text the page shows
    # once taken, it is no longer open to this student: not on the page, not in the file
    client.post(reverse("dispatch:grab", args=[d.need.pk]))
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == [online.pk]


def test_claims_export_outside_the_scope_and_unknown_format(
    client: Any, dsp: SimpleNamespace
) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True)
    client.force_login(c.resident)  # not a student: the page lists nothing, nor does the file
    rows = sheet(client.get(reverse("dispatch:claims"), {"export": "xlsx"}))
    assert len(rows) == 1 and d.need.title not in str(rows)
    client.force_login(c.student)
    html = _refused(client, reverse("dispatch:claims"), {})
    assert d.need.title in html


# --- a volunteer's offers ---------------------------------------------------------------------
def test_offers_export_is_the_two_lists_of_the_page(client: Any, dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    start = at(d.monday, "00:00")
    plan = ds.dispatch_plan_create(
        actor=d.dispatcher,
        scope=c.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
    )
    offer = ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)[0]
    assert offer.volunteer_id == c.student.pk
    tuesday = d.monday + timedelta(days=1)
    claimed = dispatch_setup.make_need(
        d,
        title="线上作业辅导",
        open_claim=True,
        is_remote=True,
        windows=[(at(tuesday, "14:00"), at(tuesday, "17:00"))],
    )
    url = reverse("dispatch:offers")
    client.force_login(c.student)
    grabbed = client.post(reverse("dispatch:grab", args=[claimed.pk]))
    assert grabbed.status_code == 302
    html = client.get(url).content.decode()
    assert "导出 Excel" in html and f"{url}?export=xlsx" in html
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["需求", "状态", "时间", "地点", "来源"]
    # waiting for an answer first, then the accepted ones, as on the page
    assert [r[0] for r in rows[1:]] == ["敬老院陪伴", "线上作业辅导"]
    assert rows[1][1] == NeedAssignment.State.OFFERED.label and rows[1][4] == "已派单"
    assert rows[1][3].startswith("白沙社区") and rows[1][2] in html  # the page's "when" text
    assert rows[2][1] == NeedAssignment.State.ACCEPTED.label and rows[2][3] == "线上"
    # declined: gone from the page, gone from the file
    ds_decline = client.post(
        reverse("dispatch:decline", args=[offer.pk]), {f"a{offer.pk}-reason": "那天要考试"}
    )
    assert ds_decline.status_code == 302
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["线上作业辅导"]


def test_offers_export_is_only_ones_own_and_unknown_format(
    client: Any, dsp: SimpleNamespace
) -> None:
    d, c = dsp, dsp.city
    claimed = dispatch_setup.make_need(d, title="线上作业辅导", open_claim=True, is_remote=True)
    client.force_login(c.student)
    client.post(reverse("dispatch:grab", args=[claimed.pk]))
    html = _refused(client, reverse("dispatch:offers"), {})
    assert "线上作业辅导" in html
    client.force_login(c.student2)
    rows = sheet(client.get(reverse("dispatch:offers"), {"export": "xlsx"}))
    assert len(rows) == 1 and "线上作业辅导" not in str(rows)

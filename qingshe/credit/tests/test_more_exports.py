"""Crowdfunding campaigns, venues, the reward shop, my redemptions and my certificates export what
their pages show to Excel: the page's own selector (its scope: the person's city, the person's own
redemptions and certificates) with the page's filters applied; nobody gets rows the page would not
show them, and a bad request answers the page or a clear message, never a 500 and never a file."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.exports import services as exports
from qingshe.core.exports.models import ExportJob
from qingshe.core.tests.export_helpers import sheet
from qingshe.credit import services as credit
from qingshe.credit import services_circle, services_rewards, services_venues
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Membership, Role

HOURS = [{"weekday": d, "start": "08:00", "end": "21:00"} for d in range(7)]


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _titles(rows: list[list[Any]]) -> list[Any]:
    return [r[0] for r in rows[1:]]


def _no_file(response: Any) -> bool:
    return not response.get("Content-Disposition") and not response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


# --- crowdfunding -------------------------------------------------------------------------------
@pytest.fixture
def campaigns(city: SimpleNamespace) -> SimpleNamespace:
    """Two project groups of the branch: 为图书角募集童书 open (goal 5000, 1200 + 300 pledged by two
    people), 旧衣回收 closed."""
    instructor = UserFactory(name="指导老师")
    Membership.objects.create(user=instructor, org=city.department, role=Role.INSTRUCTOR)

    def group(name: str) -> ProjectGroup:
        return ProjectGroup.objects.create(
            owner=city.branch,
            name=name,
            goal="让孩子们放学后有书读",
            project_type="after_school",
            service_field="poverty_education",
            instructor=instructor,
            created_by=city.secretary,
        )

    deadline = timezone.localdate() + timedelta(days=30)
    c = SimpleNamespace()
    c.closed = services_circle.campaign_open(
        actor=city.secretary,
        group=group("旧衣回收小组"),
        title="旧衣回收",
        description="回收旧衣。",
        goal="800",
        deadline=deadline,
    )
    services_circle.campaign_close(actor=city.secretary, campaign=c.closed)
    c.open = services_circle.campaign_open(
        actor=city.secretary,
        group=group("社区图书角"),
        title="为图书角募集童书",
        description="购买 200 本童书和两个书架。",
        goal="5000",
        deadline=deadline,
    )
    services_circle.pledge_make(actor=city.student, campaign=c.open, kind="money", amount="1200")
    services_circle.pledge_make(actor=city.resident, campaign=c.open, kind="money", amount="300")
    return c


def test_campaigns_export_is_the_page_rows_with_the_state_filter(
    city: SimpleNamespace, campaigns: SimpleNamespace
) -> None:
    c = _client(city.student)
    page = c.get("/credit/campaigns/").content.decode()
    assert "export=xlsx" in page and "为图书角募集童书" in page and "旧衣回收" not in page
    # no filter: the page's default (open campaigns)
    rows = sheet(c.get("/credit/campaigns/", {"export": "xlsx"}))
    assert rows[0] == [
        "标题",
        "项目组",
        "组织",
        "状态",
        "截止日期",
        "目标金额（元）",
        "已认捐（元）",
        "完成比例（%）",
        "支持人数",
    ]
    assert _titles(rows) == ["为图书角募集童书"]
    row = rows[1]
    assert row[1:4] == ["社区图书角", city.branch.display_name, "进行中"]
    assert (row[5], row[6], row[7], row[8]) == (5000, 1500, 30, 2)
    assert row[4].date() == campaigns.open.deadline
    # the page's filter: closed ones, then all (the page's order: state, deadline)
    rows = sheet(c.get("/credit/campaigns/", {"state": "closed", "export": "xlsx"}))
    assert _titles(rows) == ["旧衣回收"]
    assert "旧衣回收" in c.get("/credit/campaigns/", {"state": "closed"}).content.decode()
    rows = sheet(c.get("/credit/campaigns/", {"state": "all", "export": "xlsx"}))
    assert sorted(_titles(rows)) == ["为图书角募集童书", "旧衣回收"]


def test_campaigns_export_of_another_city_holds_none_of_these(
    city: SimpleNamespace, campaigns: SimpleNamespace, partner: SimpleNamespace
) -> None:
    rows = sheet(
        _client(partner.other_contact).get("/credit/campaigns/", {"state": "all", "export": "xlsx"})
    )
    assert rows[1:] == []
    # not logged in: the login page, no file
    r = Client().get("/credit/campaigns/", {"state": "all", "export": "xlsx"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"] and _no_file(r)


# --- venues -------------------------------------------------------------------------------------
@pytest.fixture
def venues(city: SimpleNamespace, partner: SimpleNamespace) -> SimpleNamespace:
    v = SimpleNamespace()
    v.reading = services_venues.venue_create(
        actor=partner.contact,
        owner=partner.org,
        kind="reading",
        name="书香阅读区",
        capacity=30,
        opening_hours=HOURS,
        address="青州市东湖区白沙路8号",
    )
    v.gym = services_venues.venue_create(
        actor=city.staff,
        owner=city.community,
        kind="gym",
        name="白沙社区健身房",
        capacity=20,
        opening_hours=HOURS,
        address='=HYPERLINK("http://x")',
    )
    v.closed = services_venues.venue_create(
        actor=partner.contact,
        owner=partner.org,
        kind="reading",
        name="书店二楼（装修中）",
        capacity=10,
        opening_hours=HOURS,
    )
    v.closed.is_active = False
    v.closed.save(update_fields=["is_active"])
    v.other = services_venues.venue_create(
        actor=partner.other_contact,
        owner=partner.other_org,
        kind="reading",
        name="沙县阅览室",
        capacity=12,
        opening_hours=HOURS,
    )
    return v


def test_venues_export_is_the_page_rows_with_kind_and_search(
    city: SimpleNamespace, venues: SimpleNamespace
) -> None:
    c = _client(city.student)
    rows = sheet(c.get("/credit/venues/", {"export": "xlsx"}))
    assert rows[0] == ["名称", "类型", "容纳人数", "提供方", "地址", "开放预约"]
    # the page's order (by name); not the closed one (only its managers see it), not another city's
    assert _titles(rows) == sorted(["书香阅读区", "白沙社区健身房"])
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["书香阅读区"][1:] == ["读书角", 30, "书香书店", "青州市东湖区白沙路8号", "是"]
    # a formula typed as an address stays text
    assert by_name["白沙社区健身房"][4] == '\'=HYPERLINK("http://x")'
    # the page's filters
    rows = sheet(c.get("/credit/venues/", {"kind": "gym", "export": "xlsx"}))
    assert _titles(rows) == ["白沙社区健身房"]
    rows = sheet(c.get("/credit/venues/", {"q": "书香", "export": "xlsx"}))
    assert _titles(rows) == ["书香阅读区"]
    page = c.get("/credit/venues/", {"q": "书香"}).content.decode()
    assert "书香阅读区" in page and "白沙社区健身房" not in page
    # the community's staff do not manage the partner's closed venue: not in their file either
    rows = sheet(_client(city.staff).get("/credit/venues/", {"export": "xlsx"}))
    assert _titles(rows) == sorted(["书香阅读区", "白沙社区健身房"])


def test_venues_export_for_their_manager_and_another_city(
    city: SimpleNamespace, venues: SimpleNamespace, partner: SimpleNamespace
) -> None:
    rows = sheet(_client(partner.contact).get("/credit/venues/", {"export": "xlsx"}))
    by_name = {r[0]: r for r in rows[1:]}
    assert (
        "书店二楼（装修中）" in by_name and by_name["书店二楼（装修中）"][5] is None
    )  # not open for booking
    assert "书店二楼（装修中）" in _client(partner.contact).get("/credit/venues/").content.decode()
    # another city: its own venue only
    rows = sheet(_client(partner.other_contact).get("/credit/venues/", {"export": "xlsx"}))
    assert _titles(rows) == ["沙县阅览室"]


# --- the reward shop and my redemptions ---------------------------------------------------------
@pytest.fixture
def shop(
    city: SimpleNamespace, partner: SimpleNamespace, rules: Any, earn: Any, reward: Any
) -> SimpleNamespace:
    """The student earned 20 points; the book voucher (20) and a pricier cinema ticket (100)."""
    earn(city.student, days_ago=3, minutes=120)
    today = timezone.localdate()
    ticket = services_rewards.reward_create(
        actor=partner.contact,
        partner=partner.org,
        kind="ticket",
        title="电影票",
        description="",
        price=100,
        stock=3,
        per_person_limit=1,
        valid_from=today,
        valid_until=today + timedelta(days=10),
    )
    return SimpleNamespace(voucher=reward, ticket=ticket)


def test_reward_shop_export_is_the_page_rows_with_its_filters(
    city: SimpleNamespace, shop: SimpleNamespace, partner: SimpleNamespace
) -> None:
    c = _client(city.student)
    assert "export=xlsx" in c.get("/credit/rewards/").content.decode()
    rows = sheet(c.get("/credit/rewards/", {"export": "xlsx"}))
    assert rows[0] == ["标题", "所需积分", "伙伴单位", "类型", "库存", "兑换截止日期", "已兑"]
    assert _titles(rows) == ["图书兑换券", "电影票"]  # the page's order: cheapest first
    assert rows[1][1:5] == [20, "书香书店", "物资", 5]
    assert rows[1][5].date() == shop.voucher.valid_until
    assert [r[6] for r in rows[1:]] == [0, 0]
    # only what I can redeem now (20 points): the voucher
    rows = sheet(c.get("/credit/rewards/", {"affordable": "1", "export": "xlsx"}))
    assert _titles(rows) == ["图书兑换券"]
    page = c.get("/credit/rewards/", {"affordable": "1"}).content.decode()
    assert "图书兑换券" in page and "电影票" not in page
    rows = sheet(c.get("/credit/rewards/", {"q": "电影", "export": "xlsx"}))
    assert _titles(rows) == ["电影票"]
    # another city's people: none of this city's rewards
    rows = sheet(_client(partner.other_contact).get("/credit/rewards/", {"export": "xlsx"}))
    assert rows[1:] == []
    # what I hold, as the page says "you hold 1"; someone else's file counts their own
    services_rewards.reward_redeem(actor=city.student, reward=shop.voucher)
    assert "已兑 1" in c.get("/credit/rewards/").content.decode().replace("\n", " ")
    rows = sheet(c.get("/credit/rewards/", {"export": "xlsx"}))
    assert [(r[0], r[6]) for r in rows[1:]] == [("图书兑换券", 1), ("电影票", 0)]
    rows = sheet(_client(city.student2).get("/credit/rewards/", {"export": "xlsx"}))
    assert [r[6] for r in rows[1:]] == [0, 0]


def test_my_redemptions_export_is_my_own_with_the_state_filter(
    city: SimpleNamespace, shop: SimpleNamespace
) -> None:
    first = services_rewards.reward_redeem(actor=city.student, reward=shop.voucher)
    services_rewards.redemption_cancel(actor=city.student, redemption=first)
    second = services_rewards.reward_redeem(actor=city.student, reward=shop.voucher)
    c = _client(city.student)
    assert "export=xlsx" in c.get("/credit/redemptions/").content.decode()
    rows = sheet(c.get("/credit/redemptions/", {"export": "xlsx"}))
    assert rows[0] == ["奖励", "伙伴单位", "兑换时间", "支付积分", "兑换码", "状态"]
    # newest first, as on the page
    assert [(r[0], r[3], r[4], r[5]) for r in rows[1:]] == [
        ("图书兑换券", 20, second.code, "待领取"),
        ("图书兑换券", 20, first.code, "已取消"),
    ]
    assert rows[1][1] == "书香书店" and rows[1][2] > rows[2][2]
    rows = sheet(c.get("/credit/redemptions/", {"state": "cancelled", "export": "xlsx"}))
    assert [r[4] for r in rows[1:]] == [first.code]
    # another person: their own (none); someone not logged in: the login page
    assert sheet(_client(city.student2).get("/credit/redemptions/", {"export": "xlsx"}))[1:] == []
    r = Client().get("/credit/redemptions/", {"export": "xlsx"})
    assert r.status_code == 302 and _no_file(r)


# --- my certificates ----------------------------------------------------------------------------
def test_my_certificates_export_is_my_own(city: SimpleNamespace, serve: Any) -> None:
    serve(city.student, days_ago=2, minutes=150)
    serve(city.student2, days_ago=3)
    today = timezone.localdate()
    mine = credit.certificate_issue(
        actor=city.student,
        user=city.student,
        period_start=today - timedelta(days=30),
        period_end=today,
    )
    theirs = credit.certificate_issue(
        actor=city.student2,
        user=city.student2,
        period_start=today - timedelta(days=30),
        period_end=today,
    )
    credit.certificate_revoke(actor=city.department_admin, certificate=theirs, reason="重复出具")
    c = _client(city.student)
    assert "export=xlsx" in c.get("/credit/certificates/").content.decode()
    rows = sheet(c.get("/credit/certificates/", {"export": "xlsx"}))
    assert rows[0] == [
        "证明编号",
        "服务时间从",
        "服务时间至",
        "服务时长（小时）",
        "记录单位",
        "验证码",
        "出具时间",
        "已撤销",
    ]
    assert len(rows) == 2
    row = rows[1]
    assert (
        row[0] == mine.number and row[5] == mine.code and row[7] is None
    )  # an empty cell: not revoked
    assert Decimal(str(row[3])) == Decimal(mine.statement["hours"]) == Decimal("2.5")
    assert row[1].date() == today - timedelta(days=30) and row[2].date() == today
    # the other student's own file: their certificate, revoked
    rows = sheet(_client(city.student2).get("/credit/certificates/", {"export": "xlsx"}))
    assert [(r[0], r[7]) for r in rows[1:]] == [(theirs.number, "是")]
    # someone with none: the header only
    assert len(sheet(_client(city.resident).get("/credit/certificates/", {"export": "xlsx"}))) == 1


# --- bad requests -------------------------------------------------------------------------------
def test_bad_export_requests_answer_the_page_or_a_message(
    city: SimpleNamespace, campaigns: SimpleNamespace, monkeypatch: Any
) -> None:
    c = _client(city.student)
    # a format that is not offered: back to the page (filter kept) saying so, no file, no 500
    for fmt in ("csv", "pdf", "", "XLSX"):
        r = c.get("/credit/campaigns/", {"export": fmt, "state": "open"})
        assert r.status_code == 302 and r["Location"] == "/credit/campaigns/?state=open"
        page = c.get(r["Location"])
        text = page.content.decode()
        assert _no_file(page) and "只能导出为 Excel" in text and "为图书角募集童书" in text
    # a filter value the page does not know: the page's own fallback (open campaigns), in the
    # file as on the page
    rows = sheet(c.get("/credit/campaigns/", {"state": "<script>", "export": "xlsx"}))
    assert _titles(rows) == ["为图书角募集童书"]
    rows = sheet(c.get("/credit/redemptions/", {"state": "nonsense", "export": "xlsx"}))
    assert rows[1:] == []
    # a POST to the certificates page with ?export is the form, never a file
    r = c.post("/credit/certificates/?export=xlsx", {"period_start": "x", "period_end": ""})
    assert r.status_code == 422 and _no_file(r)
    # too many rows: the page again with a clear message, the filter kept, nothing queued
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    r = c.get("/credit/campaigns/", {"state": "all", "export": "xlsx"})
    assert r.status_code == 302 and r["Location"] == "/credit/campaigns/?state=all"
    r = c.get(r["Location"])
    assert "超过 1 行" in r.content.decode() and _no_file(r)
    assert not ExportJob.objects.exists()


def test_large_campaign_export_runs_as_a_job_with_the_same_figures(
    city: SimpleNamespace,
    campaigns: SimpleNamespace,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    c = _client(city.student)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.get("/credit/campaigns/", {"state": "all", "export": "xlsx"})
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/exports/{job.pk}/"
    assert job.spec == "credit.campaigns" and job.state == "done" and job.done == 2
    rows = sheet(c.get(f"/exports/{job.pk}/download/"))
    by_title = {r[0]: r for r in rows[1:]}
    assert set(by_title) == {"为图书角募集童书", "旧衣回收"}
    assert by_title["为图书角募集童书"][6:9] == [1500, 30, 2]
    assert by_title["旧衣回收"][3] == "已结束" and by_title["旧衣回收"][6:9] == [0, 0, 0]
    # only the person who asked gets the file
    assert _client(city.student2).get(f"/exports/{job.pk}/download/").status_code == 404

"""Pages of points, rewards, the partner circle, campaigns, venues, rules and commendations, each
with an outsider (404 for what is outside their scope), bad input (the service's message on the
page, nothing written), htmx partials and query counts of the lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.credit import services_circle, services_rewards, services_venues
from qingshe.credit.models import (
    Campaign,
    Commendation,
    PartnerApplication,
    Pledge,
    PointsRule,
    Redemption,
    Reward,
    VenueBooking,
)
from qingshe.duty import services as duty
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Membership, Role


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _csp_clean(html: str) -> None:
    body = html.split("</head>")[1]
    assert "<script>" not in body and " style=" not in body


@pytest.fixture
def group(city):  # type: ignore[no-untyped-def]
    instructor = UserFactory(name="指导老师")
    Membership.objects.create(user=instructor, org=city.department, role=Role.INSTRUCTOR)
    return ProjectGroup.objects.create(
        owner=city.branch,
        name="社区图书角",
        goal="g",
        project_type="after_school",
        service_field="poverty_education",
        instructor=instructor,
    )


def test_my_points_page_shows_movements_with_reasons(
    city, rules, earn, reward, django_assert_max_num_queries
) -> None:
    earn(city.student, days_ago=3, minutes=120)
    earn(city.student, days_ago=2, minutes=60, title="社区图书角整理")
    services_rewards.reward_redeem(actor=city.student, reward=reward)
    c = _client(city.student)
    with django_assert_max_num_queries(12):
        response = c.get("/credit/points/")
    html = _html(response)
    assert response.status_code == 200
    assert "我的志愿积分" in html and ">10<" in html  # 30 earned, 20 spent
    assert (
        "敬老院陪伴：2.0 小时 × 10 分" in html
        and "兑换：图书兑换券" in html
        and "+20" in html
        and "-20" in html
    )
    assert "志愿服务时长积分" in html  # the rule in force
    _csp_clean(html)
    assert Client().get("/credit/points/").status_code == 302  # login first


def test_the_shop_redeems_and_shows_the_code(
    city, rules, earn, reward, partner, django_assert_max_num_queries
) -> None:
    earn(city.student, minutes=120)
    c = _client(city.student)
    for n in range(3):
        services_rewards.reward_create(
            actor=partner.contact,
            partner=partner.org,
            kind="goods",
            title=f"帆布袋{n}",
            price=5 + n,
            stock=2,
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + timedelta(days=3),
        )
    with django_assert_max_num_queries(10):
        response = c.get("/credit/rewards/")
    html = _html(response)
    assert (
        response.status_code == 200
        and "图书兑换券" in html
        and "20 积分" in html
        and "书香书店" in html
    )
    _csp_clean(html)
    partial = c.get("/credit/rewards/?affordable=1", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in _html(partial)
    response = c.post(f"/credit/rewards/{reward.pk}/redeem/")
    redemption = Redemption.objects.get(user=city.student)
    assert (
        response.status_code == 302
        and response["Location"] == f"/credit/redemptions/{redemption.code}/"
    )
    page = _html(c.get(response["Location"]))
    assert redemption.code in page and "<svg" in page and "取消并退回积分" in page
    assert "图书兑换券" in _html(c.get("/credit/redemptions/"))
    # Someone else cannot see the code; the partner can and hands it over.
    assert _client(city.student2).get(f"/credit/redemptions/{redemption.code}/").status_code == 404
    assert (
        _client(partner.other_contact).get(f"/credit/redemptions/{redemption.code}/").status_code
        == 404
    )
    p = _client(partner.contact)
    assert "交付礼品" in _html(p.get(f"/credit/redemptions/{redemption.code}/"))
    p.post(f"/credit/redemptions/{redemption.code}/hand-over/")
    redemption.refresh_from_db()
    assert redemption.state == Redemption.State.HANDED_OVER


def test_redeeming_with_too_few_points_shows_why_and_writes_nothing(city, reward) -> None:
    c = _client(city.student)
    response = c.post(f"/credit/rewards/{reward.pk}/redeem/", follow=True)
    assert "该礼品需要 20 积分，您现有 0 积分。" in _html(response)
    assert not Redemption.objects.exists()
    reward.refresh_from_db()
    assert reward.stock == 5


def test_a_reward_of_another_city_is_not_shown(city, partner) -> None:
    today = timezone.localdate()
    theirs = services_rewards.reward_create(
        actor=partner.other_contact,
        partner=partner.other_org,
        kind="goods",
        title="小吃套餐",
        price=1,
        stock=1,
        valid_from=today,
        valid_until=today,
    )
    c = _client(city.student)
    assert "小吃套餐" not in _html(c.get("/credit/rewards/"))
    assert c.get(f"/credit/rewards/{theirs.pk}/").status_code == 404
    assert c.post(f"/credit/rewards/{theirs.pk}/redeem/").status_code == 404
    assert not Redemption.objects.exists()


def test_partner_pages(city, rules, earn, partner, reward, django_assert_max_num_queries) -> None:
    c = _client(city.student)
    with django_assert_max_num_queries(10):
        html = _html(c.get("/credit/partners/"))
    assert "青州书香书店" in html and "沙县小吃店" not in html
    page = c.get(f"/credit/partners/{partner.org.pk}/")
    assert page.status_code == 200 and "图书兑换券" in _html(page) and "上架礼品" not in _html(page)
    assert c.get(f"/credit/partners/{partner.other_org.pk}/").status_code == 404
    assert c.post(f"/credit/partners/{partner.org.pk}/", {"title": "x"}).status_code == 404
    # The contact puts up a reward; a negative price is refused with the service's message.
    p = _client(partner.contact)
    today = timezone.localdate()
    data = {
        "kind": "ticket",
        "title": "亲子阅读活动名额",
        "price": "-5",
        "stock": "10",
        "per_person_limit": "1",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=20)).isoformat(),
    }
    bad = p.post(f"/credit/partners/{partner.org.pk}/", data)
    assert bad.status_code == 422 and "所需积分为 1 至 100000 的整数。" in _html(bad)
    assert Reward.objects.count() == 1
    data["price"] = "15"
    assert p.post(f"/credit/partners/{partner.org.pk}/", data).status_code == 302
    assert Reward.objects.filter(title="亲子阅读活动名额", price=15).exists()
    # A code typed in.
    earn(city.student, minutes=120)
    r = services_rewards.reward_redeem(actor=city.student, reward=reward)
    found = p.get(f"/credit/partners/{partner.org.pk}/code/?code={r.code.lower()}")
    assert found.status_code == 302 and found["Location"] == f"/credit/redemptions/{r.code}/"


def test_joining_the_circle_and_the_leagues_decision(city) -> None:
    applicant = UserFactory(name="新伙伴")
    c = _client(applicant)
    assert c.get("/credit/partners/join/").status_code == 200
    bad = c.post(
        "/credit/partners/join/",
        {
            "committee": city.city.pk,
            "name": "好邻居超市",
            "contact_name": "周",
            "contact_phone": "123",
            "offers": "米面粮油",
        },
    )
    assert bad.status_code == 422 and "请输入手机号或办公固定电话。" in _html(bad)
    assert not PartnerApplication.objects.exists()
    ok = c.post(
        "/credit/partners/join/",
        {
            "committee": city.city.pk,
            "name": "好邻居超市",
            "contact_name": "周",
            "contact_phone": "13905981111",
            "offers": "米面粮油",
        },
    )
    assert ok.status_code == 302
    application = PartnerApplication.objects.get()
    assert _client(city.staff).get("/credit/partners/applications/").status_code == 404
    assert (
        _client(city.staff)
        .post(f"/credit/partners/applications/{application.pk}/decide/")
        .status_code
        == 404
    )
    admin = _client(city.league_admin)
    assert "好邻居超市" in _html(admin.get("/credit/partners/applications/"))
    admin.post(f"/credit/partners/applications/{application.pk}/decide/", {"decision": "approve"})
    application.refresh_from_db()
    assert application.state == "approved" and application.partner is not None


def test_campaign_pages(city, group, django_assert_max_num_queries) -> None:
    s = _client(city.secretary)
    assert s.get("/credit/campaigns/new/").status_code == 200
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = s.post(
        "/credit/campaigns/new/",
        {
            "group": group.pk,
            "title": "童书众筹",
            "description": "买书",
            "goal": "2000",
            "deadline": deadline,
        },
    )
    campaign = Campaign.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/credit/campaigns/{campaign.pk}/"
    )
    c = _client(city.student)
    assert c.get("/credit/campaigns/new/").status_code == 404
    bad = c.post(f"/credit/campaigns/{campaign.pk}/", {"kind": "money", "amount": "0"})
    assert bad.status_code == 422 and "金额必须大于零。" in _html(bad)
    assert not Pledge.objects.exists()
    c.post(f"/credit/campaigns/{campaign.pk}/", {"kind": "money", "amount": "500"})
    pledge = Pledge.objects.get()
    with django_assert_max_num_queries(10):
        html = _html(c.get("/credit/campaigns/"))
    assert "童书众筹" in html and "500" in html and "<progress" in html
    _csp_clean(html)
    # Only the instructor marks it received.
    c.post(f"/credit/pledges/{pledge.pk}/receive/")
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.PLEDGED
    _client(group.instructor).post(f"/credit/pledges/{pledge.pk}/receive/")
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.RECEIVED
    outsider = _client(UserFactory(name="外人"))
    assert outsider.get(f"/credit/campaigns/{campaign.pk}/").status_code == 404


def test_venue_pages(city, django_assert_max_num_queries) -> None:
    staff = _client(city.staff)
    assert staff.get("/credit/venues/new/").status_code == 200
    response = staff.post(
        "/credit/venues/new/",
        {
            "owner": city.community.pk,
            "kind": "reading",
            "name": "白沙读书角",
            "capacity": "20",
            "weekdays": ["0", "1", "2", "3", "4"],
            "opens": "09:00",
            "closes": "12:00",
            "opens2": "14:00",
            "closes2": "17:30",
        },
    )
    venue = services_venues.Venue.objects.get()
    assert response.status_code == 302 and venue.opening_hours[1] == {
        "weekday": 0,
        "start": "14:00",
        "end": "17:30",
    }
    activity = duty.activity_create(
        actor=city.staff, organiser=city.community, title="亲子共读", requires_insurance=False
    )
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    bad = staff.post(
        f"/credit/venues/{venue.pk}/",
        {
            "day": day.isoformat(),
            "start": "12:30",
            "end": "13:30",
            "purpose": "共读",
            "people": "10",
            "booked_for": f"a{activity.pk}",
        },
    )
    assert bad.status_code == 422 and "请在开放时间内预约" in _html(bad)
    assert not VenueBooking.objects.exists()
    ok = staff.post(
        f"/credit/venues/{venue.pk}/",
        {
            "day": day.isoformat(),
            "start": "09:30",
            "end": "11:00",
            "purpose": "共读",
            "people": "10",
            "booked_for": f"a{activity.pk}",
        },
    )
    assert ok.status_code == 302
    again = staff.post(
        f"/credit/venues/{venue.pk}/",
        {
            "day": day.isoformat(),
            "start": "10:00",
            "end": "11:30",
            "purpose": "插队",
            "people": "5",
            "booked_for": f"a{activity.pk}",
        },
    )
    assert again.status_code == 409 and "已被预约" in _html(again)
    assert VenueBooking.objects.count() == 1
    s = _client(city.student)
    with django_assert_max_num_queries(12):
        week = s.get(f"/credit/venues/{venue.pk}/?week={day.isoformat()}")
    html = _html(week)
    assert (
        week.status_code == 200
        and "09:30–11:00" in html
        and "共读" in html
        and "预约时段" not in html
    )
    _csp_clean(html)
    partial = s.get(f"/credit/venues/{venue.pk}/?week={day.isoformat()}", HTTP_HX_REQUEST="true")
    assert "<html" not in _html(partial) and 'id="week"' in _html(partial)
    assert s.post(f"/credit/venues/{venue.pk}/", {}).status_code == 404
    assert _client(UserFactory(name="外人")).get(f"/credit/venues/{venue.pk}/").status_code == 404
    with django_assert_max_num_queries(12):
        assert "白沙读书角" in _html(s.get("/credit/venues/"))


def test_rules_page(city) -> None:
    admin = _client(city.league_admin)
    assert admin.get("/credit/points/rules/").status_code == 200
    bad = admin.post(
        "/credit/points/rules/",
        {
            "owner": city.city.pk,
            "kind": "per_hour",
            "name": "倒扣",
            "points": "-10",
            "active_from": "2026-01-01",
        },
    )
    assert bad.status_code == 422 and "规则至少发放 1 积分" in _html(bad)
    assert not PointsRule.objects.exists()
    ok = admin.post(
        "/credit/points/rules/",
        {
            "owner": city.city.pk,
            "kind": "per_hour",
            "name": "时长积分",
            "points": "10",
            "cap_hours": "2",
            "active_from": "2026-01-01",
        },
    )
    assert ok.status_code == 302 and PointsRule.objects.get().cap_hours == 2
    assert _client(city.student).get("/credit/points/rules/").status_code == 404
    assert (
        _client(city.staff)
        .post(f"/credit/points/rules/{PointsRule.objects.get().pk}/retire/")
        .status_code
        == 404
    )


def test_commendations_page(city, rules, earn) -> None:
    earn(city.student, minutes=120)
    admin = _client(city.league_admin)
    today = timezone.localdate()
    query = {
        "org": city.city.pk,
        "start": (today - timedelta(days=30)).isoformat(),
        "end": today.isoformat(),
        "title": "优秀青年志愿者",
    }
    html = _html(admin.get("/credit/commendations/", query))
    assert "学生甲" in html and "2.0 小时" in html and "2024级旅游管理班团支部" in html
    response = admin.post(
        "/credit/commendations/", {**query, "user": [city.student.pk], "bonus": "1"}
    )
    assert response.status_code == 302
    assert Commendation.objects.get().user == city.student
    # The student sees their own commendation; they cannot commend.
    s = _client(city.student)
    assert "优秀青年志愿者" in _html(s.get("/credit/commendations/"))
    s.post("/credit/commendations/", {**query, "user": [city.student2.pk]})
    assert Commendation.objects.count() == 1


def test_home_panels_and_nav(city, rules, earn, partner, reward) -> None:
    earn(city.student, minutes=120)
    services_rewards.reward_redeem(actor=city.student, reward=reward)
    html = _html(_client(city.student).get("/"))
    assert "我的积分" in html and "待领取的礼品" in html and 'href="/credit/points/"' in html
    html = _html(_client(partner.contact).get("/"))
    assert "待交付的兑换码" in html and 'href="/credit/partners/"' in html
    services_circle.partner_apply(
        actor=UserFactory(name="申请人"),
        committee=city.city,
        name="新单位",
        contact_name="李",
        contact_phone="13905982222",
        offers="物资",
    )
    assert "待审批的入圈申请" in _html(_client(city.league_admin).get("/"))

"""API of points: /me/points, /rewards, /rewards/{id}/redeem, /redemptions (hand over, cancel),
venues and bookings, campaigns and pledges, partners, earning rules; permissions, bad input with
its code and nothing written, query counts of the lists."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from django.test import Client
from django.utils import timezone

from qingshe.accounts.services import token_issue
from qingshe.accounts.tests.factories import UserFactory
from qingshe.credit import services_circle, services_rewards, services_venues
from qingshe.credit.models import Pledge, PointsRule, Redemption, Reward, VenueBooking
from qingshe.duty import services as duty
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Membership, Role


def _api(user) -> Client:  # type: ignore[no-untyped-def]
    raw, _token = token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _post(client: Client, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_my_points(city, rules, earn, reward, django_assert_max_num_queries) -> None:
    earn(city.student, days_ago=3, minutes=120)
    earn(city.student, days_ago=2, minutes=90, title="社区图书角整理")
    services_rewards.reward_redeem(actor=city.student, reward=reward)
    api = _api(city.student)
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/me/points").json()
    assert (body["count"], body["balance"], body["earned"], body["spent"]) == (3, 15, 35, 20)
    newest, *_rest, oldest = body["items"]
    assert newest["kind"] == "redemption" and newest["amount"] == -20 and newest["redemption_code"]
    assert (
        oldest["kind"] == "award_hours"
        and oldest["amount"] == 20
        and oldest["rule"] == "志愿服务时长积分"
    )
    assert oldest["reason"] == "敬老院陪伴：2.0 小时 × 10 分" and oldest["source"].startswith(
        "hours:"
    )
    assert _api(city.student2).get("/api/v1/me/points").json()["balance"] == 0
    assert Client().get("/api/v1/me/points").status_code == 401


def test_rewards_and_redeeming(
    city, rules, earn, reward, partner, django_assert_max_num_queries
) -> None:
    earn(city.student, minutes=120)
    api = _api(city.student)
    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/rewards").json()
    assert (
        body["count"] == 1
        and body["items"][0]["title"] == "图书兑换券"
        and body["items"][0]["mine"] == 0
    )
    response = _post(api, f"/api/v1/rewards/{reward.pk}/redeem")
    assert response.status_code == 201
    code = response.json()["code"]
    assert response.json()["qr_url"].endswith(f"/credit/redemptions/{code}/")
    assert api.get("/api/v1/redemptions").json()["items"][0]["code"] == code
    # Too few points now: 409, nothing written.
    again = _post(api, f"/api/v1/rewards/{reward.pk}/redeem")
    assert again.status_code == 409 and again.json()["code"] == "not_enough_points"
    assert again.json()["detail"] == "该礼品需要 20 积分，您现有 0 积分。"
    assert Redemption.objects.count() == 1
    # Another city's reward: 403 other_city, and not listed.
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
    refused = _post(api, f"/api/v1/rewards/{theirs.pk}/redeem")
    assert refused.status_code == 403 and refused.json()["code"] == "other_city"
    assert api.get(f"/api/v1/rewards/{theirs.pk}").status_code == 404
    assert _post(api, "/api/v1/rewards/999999/redeem").status_code == 404
    # The partner hands it over; the student cannot.
    assert _post(api, f"/api/v1/redemptions/{code}/hand-over").status_code == 404
    p = _api(partner.contact)
    assert p.get(f"/api/v1/redemptions?partner={partner.org.pk}").json()["count"] == 1
    assert (
        _api(city.student2).get(f"/api/v1/redemptions?partner={partner.org.pk}").status_code == 404
    )
    done = _post(p, f"/api/v1/redemptions/{code}/hand-over")
    assert done.status_code == 200 and done.json()["state"] == "handed_over"
    twice = _post(p, f"/api/v1/redemptions/{code}/hand-over")
    assert twice.status_code == 409 and twice.json()["code"] == "already_handed_over"


def test_redeeming_after_validity_and_beyond_the_limit(city, rules, earn, reward) -> None:
    for days in (2, 3, 4):
        earn(city.student, days_ago=days, minutes=120, title=f"活动{days}")
    api = _api(city.student)
    for _n in range(2):
        assert _post(api, f"/api/v1/rewards/{reward.pk}/redeem").status_code == 201
    limit = _post(api, f"/api/v1/rewards/{reward.pk}/redeem")
    assert limit.status_code == 409 and limit.json()["code"] == "limit_reached"
    code = Redemption.objects.filter(user=city.student).first().code
    cancel = _post(api, f"/api/v1/redemptions/{code}/cancel")
    assert cancel.status_code == 200 and cancel.json()["state"] == "cancelled"
    Reward.objects.filter(pk=reward.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1),
        valid_from=timezone.localdate() - timedelta(days=9),
    )
    expired = _post(api, f"/api/v1/rewards/{reward.pk}/redeem")
    assert expired.status_code == 409 and expired.json()["code"] == "expired"
    assert Redemption.objects.filter(state__in=Redemption.LIVE_STATES).count() == 1


def test_partners_put_up_rewards(city, partner) -> None:
    today = timezone.localdate()
    data = {
        "partner": partner.org.pk,
        "title": "咖啡券",
        "price": 0,
        "stock": 5,
        "valid_from": today.isoformat(),
        "valid_until": today.isoformat(),
    }
    bad = _post(_api(partner.contact), "/api/v1/rewards", data)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_price"
    assert _post(_api(city.student), "/api/v1/rewards", {**data, "price": 5}).status_code == 403
    assert not Reward.objects.exists()
    ok = _post(_api(partner.contact), "/api/v1/rewards", {**data, "price": 5})
    assert ok.status_code == 201 and ok.json()["partner"] == "青州书香书店"
    detail = _api(city.student).get(f"/api/v1/partners/{partner.org.pk}").json()
    assert detail["name"] == "青州书香书店" and detail["achievements"]["rewards_redeemed"] == 0
    assert _api(city.student).get(f"/api/v1/partners/{partner.other_org.pk}").status_code == 404


def test_venue_bookings(city) -> None:
    venue = services_venues.venue_create(
        actor=city.staff,
        owner=city.community,
        kind="studio",
        name="青年活动室",
        capacity=15,
        opening_hours=[{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)],
    )
    activity = duty.activity_create(
        actor=city.staff, organiser=city.community, title="手工课", requires_insurance=False
    )
    day = timezone.localdate() + timedelta(days=2)

    def at(h: int) -> str:
        return timezone.make_aware(datetime.combine(day, time(h))).isoformat()

    api = _api(city.staff)
    base = {"purpose": "手工课", "people": 10, "activity": activity.pk}
    outside = _post(
        api, f"/api/v1/venues/{venue.pk}/bookings", {**base, "starts_at": at(17), "ends_at": at(18)}
    )
    assert outside.status_code == 422 and outside.json()["code"] == "outside_opening_hours"
    ok = _post(
        api, f"/api/v1/venues/{venue.pk}/bookings", {**base, "starts_at": at(10), "ends_at": at(12)}
    )
    assert ok.status_code == 201
    clash = _post(
        api, f"/api/v1/venues/{venue.pk}/bookings", {**base, "starts_at": at(11), "ends_at": at(13)}
    )
    assert clash.status_code == 409 and clash.json()["code"] == "overlap"
    crowd = _post(
        api,
        f"/api/v1/venues/{venue.pk}/bookings",
        {**base, "people": 16, "starts_at": at(14), "ends_at": at(15)},
    )
    assert crowd.status_code == 422 and crowd.json()["code"] == "over_capacity"
    assert VenueBooking.objects.count() == 1
    week = (
        _api(city.student).get(f"/api/v1/venues/{venue.pk}/bookings?week={day.isoformat()}").json()
    )
    assert week["count"] == 1 and week["items"][0]["purpose"] == "手工课"
    assert _api(city.student).get("/api/v1/venues").json()["count"] == 1
    # A student runs no activity: 404 for it.
    nope = _post(
        _api(city.student),
        f"/api/v1/venues/{venue.pk}/bookings",
        {**base, "starts_at": at(14), "ends_at": at(15)},
    )
    assert nope.status_code == 404
    cancel = _post(api, f"/api/v1/bookings/{ok.json()['id']}/cancel")
    assert cancel.status_code == 200 and cancel.json()["state"] == "cancelled"


def test_campaigns_and_pledges(city) -> None:
    instructor = UserFactory(name="指导老师")
    Membership.objects.create(user=instructor, org=city.department, role=Role.INSTRUCTOR)
    group = ProjectGroup.objects.create(
        owner=city.branch,
        name="图书角",
        goal="g",
        project_type="after_school",
        service_field="poverty_education",
        instructor=instructor,
    )
    campaign = services_circle.campaign_open(
        actor=city.secretary,
        group=group,
        title="童书众筹",
        description="买书",
        goal="1000",
        deadline=timezone.localdate() + timedelta(days=10),
    )
    api = _api(city.student)
    for amount, code in (("0", "amount_not_positive"), ("-20", "amount_not_positive")):
        bad = _post(api, f"/api/v1/campaigns/{campaign.pk}/pledges", {"amount": amount})
        assert bad.status_code == 422 and bad.json()["code"] == code
    assert not Pledge.objects.exists()
    ok = _post(api, f"/api/v1/campaigns/{campaign.pk}/pledges", {"amount": "250.5"})
    assert ok.status_code == 201
    assert _post(api, f"/api/v1/pledges/{ok.json()['id']}/receive").status_code in (403, 404)
    received = _post(_api(instructor), f"/api/v1/pledges/{ok.json()['id']}/receive")
    assert received.status_code == 200 and received.json()["state"] == "received"
    body = api.get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert body["pledged"] == "250.50" and body["received"] == "250.50" and body["backers"] == 1
    assert api.get("/api/v1/campaigns").json()["count"] == 1
    assert _api(UserFactory(name="外人")).get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404


def test_earning_rules(city, rules) -> None:
    admin = _api(city.league_admin)
    data = {
        "owner": city.city.pk,
        "kind": "per_need",
        "name": "倒扣",
        "points": -5,
        "active_from": "2026-01-01",
    }
    bad = _post(admin, "/api/v1/points/rules", data)
    assert bad.status_code == 422 and bad.json()["code"] == "points_not_positive"
    assert (
        _post(_api(city.student), "/api/v1/points/rules", {**data, "points": 5}).status_code == 403
    )
    assert PointsRule.objects.count() == 3
    ok = _post(admin, "/api/v1/points/rules", {**data, "name": "解决需求积分（新）", "points": 40})
    assert ok.status_code == 201 and ok.json()["replaces_id"] == rules.need.pk
    assert admin.get("/api/v1/points/rules").json()["count"] == 3
    assert {r["name"] for r in _api(city.student).get("/api/v1/points/rules").json()["items"]} == {
        "志愿服务时长积分",
        "解决需求积分（新）",
        "表彰奖励积分",
    }


def test_applications_campaigns_venues_and_commendations(city, rules, earn) -> None:
    applicant = UserFactory(name="超市老板")
    api = _api(applicant)
    data = {
        "committee": city.city.pk,
        "name": "好邻居超市",
        "contact_name": "周",
        "contact_phone": "139",
        "offers": "米面",
    }
    bad = _post(api, "/api/v1/partner-applications", data)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_phone"
    made = _post(api, "/api/v1/partner-applications", {**data, "contact_phone": "13905983333"})
    assert made.status_code == 201 and made.json()["state"] == "pending"
    pk = made.json()["id"]
    assert (
        _post(
            _api(city.staff), f"/api/v1/partner-applications/{pk}/decide", {"approve": True}
        ).status_code
        == 404
    )
    admin = _api(city.league_admin)
    assert admin.get("/api/v1/partner-applications").json()["count"] == 1
    no_reason = _post(admin, f"/api/v1/partner-applications/{pk}/decide", {"approve": False})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    ok = _post(admin, f"/api/v1/partner-applications/{pk}/decide", {"approve": True})
    assert ok.status_code == 200 and ok.json()["partner_id"]

    group = ProjectGroup.objects.create(
        owner=city.branch,
        name="图书角",
        goal="g",
        project_type="after_school",
        service_field="poverty_education",
    )
    deadline = (timezone.localdate() + timedelta(days=9)).isoformat()
    campaign = {
        "group": group.pk,
        "title": "众筹",
        "description": "买书",
        "goal": "-1",
        "deadline": deadline,
    }
    assert (
        _post(_api(city.student), "/api/v1/campaigns", {**campaign, "goal": "10"}).status_code
        == 404
    )
    negative = _post(_api(city.secretary), "/api/v1/campaigns", campaign)
    assert negative.status_code == 422 and negative.json()["code"] == "amount_not_positive"
    opened = _post(_api(city.secretary), "/api/v1/campaigns", {**campaign, "goal": "900"})
    assert opened.status_code == 201 and opened.json()["pledged"] == "0.00"

    venue = {
        "owner": city.community.pk,
        "kind": "gym",
        "name": "健身角",
        "capacity": 8,
        "opening_hours": [{"weekday": 0, "start": "18:00", "end": "09:00"}],
    }
    wrong = _post(_api(city.staff), "/api/v1/venues", venue)
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_opening_hours"
    assert _post(_api(city.student), "/api/v1/venues", venue).status_code == 404
    venue["opening_hours"] = [{"weekday": 0, "start": "09:00", "end": "18:00"}]
    assert _post(_api(city.staff), "/api/v1/venues", venue).status_code == 201

    earn(city.student, minutes=120)
    today = timezone.localdate()
    query = f"org={city.city.pk}&start={(today - timedelta(days=30)).isoformat()}&end={today.isoformat()}"
    ranked = admin.get(f"/api/v1/commendations/ranking?{query}").json()
    assert ranked[0]["name"] == "学生甲" and ranked[0]["hours"] == "2.0"
    assert (
        admin.get(f"/api/v1/commendations/ranking?{query}&teams=true").json()[0]["name"]
        == "2024级旅游管理班团支部"
    )
    assert _api(city.student).get(f"/api/v1/commendations/ranking?{query}").status_code == 404
    body = {
        "org": city.city.pk,
        "title": "优秀青年志愿者",
        "period_start": (today - timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
        "person": city.student.pk,
    }
    done = _post(admin, "/api/v1/commendations", body)
    assert (
        done.status_code == 201
        and done.json()["person"] == city.student.pk
        and done.json()["award_id"]
    )
    again = _post(admin, "/api/v1/commendations", body)
    assert again.status_code == 409 and again.json()["code"] == "already_commended"
    assert _api(city.student).get("/api/v1/commendations").json()["count"] == 1
    assert _api(city.student).get("/api/v1/me/points").json()["balance"] == 20 + 50

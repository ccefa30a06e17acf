"""The partner circle (apply, approve or turn down, achievements), crowdfunding (open, pledge
money or in kind, received by the instructor, progress) and commendations (ranked figures, an
award on the record, bonus points once); bad input and permissions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import ServiceError
from qingshe.credit import (
    selectors_points,
    services_circle,
    services_commend,
    services_points,
    services_rewards,
    services_venues,
)
from qingshe.credit.models import (
    Award,
    Campaign,
    Commendation,
    PartnerApplication,
    Pledge,
    PointsTransfer,
    TransferKind,
)
from qingshe.needs.models import ProjectGroup, Resource
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role


@pytest.fixture
def group(city):  # type: ignore[no-untyped-def]
    instructor = UserFactory(name="指导老师")
    Membership.objects.create(user=instructor, org=city.department, role=Role.INSTRUCTOR)
    return ProjectGroup.objects.create(
        owner=city.branch,
        name="社区图书角",
        goal="让孩子们放学后有书读",
        project_type="after_school",
        service_field="poverty_education",
        instructor=instructor,
        created_by=city.secretary,
    )


def _campaign(city, group):  # type: ignore[no-untyped-def]
    return services_circle.campaign_open(
        actor=city.secretary,
        group=group,
        title="为图书角募集童书",
        description="购买 200 本童书和两个书架。",
        goal="5000",
        deadline=timezone.localdate() + timedelta(days=30),
        in_kind_wanted="童书、书架",
    )


# --- the partner circle -------------------------------------------------------------------------
def test_a_unit_applies_and_the_league_approves(city) -> None:
    applicant = UserFactory(name="爱心企业经理")
    application = services_circle.partner_apply(
        actor=applicant,
        committee=city.city,
        name="青州爱心烘焙坊",
        contact_name="王经理",
        contact_phone="13905981234",
        offers="每月捐赠面包；提供烘焙体验课",
        address="白沙路 12 号",
    )
    assert application.state == PartnerApplication.State.PENDING
    with pytest.raises(ServiceError) as exc:
        services_circle.partner_decide(actor=city.staff, application=application, approve=True)
    assert exc.value.status == 404
    services_circle.partner_decide(actor=city.league_admin, application=application, approve=True)
    application.refresh_from_db()
    partner = application.partner
    assert partner.kind == OrgKind.PARTNER and partner.parent == city.city
    assert Membership.objects.filter(
        user=applicant, org=partner, role=Role.PARTNER_CONTACT
    ).exists()
    with pytest.raises(ServiceError) as exc:
        services_circle.partner_decide(
            actor=city.league_admin, application=application, approve=True
        )
    assert exc.value.code == "already_decided"


def test_turning_down_needs_a_reason_and_bad_applications(city) -> None:
    applicant = UserFactory(name="申请人")
    application = services_circle.partner_apply(
        actor=applicant,
        committee=city.district,
        name="东湖物业",
        contact_name="李",
        contact_phone="0598-8221234",
        offers="场地",
    )
    with pytest.raises(ServiceError) as exc:
        services_circle.partner_decide(
            actor=city.district_admin, application=application, approve=False
        )
    assert exc.value.code == "reason_required"
    services_circle.partner_decide(
        actor=city.district_admin,
        application=application,
        approve=False,
        note="请先完成企业信用登记",
    )
    assert not Organisation.objects.filter(name="东湖物业").exists()
    for fields, code in (
        ({"contact_phone": "12345"}, "invalid_phone"),
        ({"offers": ""}, "offers_required"),
        ({"name": ""}, "name_required"),
    ):
        data = {
            "name": "好人超市",
            "contact_name": "赵",
            "contact_phone": "13905980000",
            "offers": "物资",
            **fields,
        }
        with pytest.raises(ServiceError) as exc:
            services_circle.partner_apply(actor=applicant, committee=city.city, **data)
        assert exc.value.code == code
    with pytest.raises(ServiceError) as exc:
        services_circle.partner_apply(
            actor=applicant,
            committee=city.community,
            name="x",
            contact_name="y",
            contact_phone="13905980000",
            offers="z",
        )
    assert exc.value.code == "invalid_committee"
    assert PartnerApplication.objects.count() == 1


def test_what_a_partners_resources_achieved(
    city, rules, earn, partner, reward, group, django_capture_on_commit_callbacks
) -> None:
    earn(city.student, minutes=120)
    services_rewards.redemption_hand_over(
        actor=partner.contact,
        redemption=services_rewards.reward_redeem(actor=city.student, reward=reward),
    )
    campaign = _campaign(city, group)
    money = services_circle.pledge_make(
        actor=partner.contact, campaign=campaign, kind="money", amount="800", partner=partner.org
    )
    services_circle.pledge_receive(actor=group.instructor, pledge=money)
    services_circle.pledge_make(
        actor=partner.contact,
        campaign=campaign,
        kind="in_kind",
        amount="300",
        description="童书 60 本",
        partner=partner.org,
    )
    resource = Resource.objects.create(owner=partner.org, kind="venue", title="书店二楼阅读区")
    resource.groups.add(group)
    venue = services_venues.venue_create(
        actor=partner.contact,
        owner=partner.org,
        kind="reading",
        name="书香阅读区",
        capacity=30,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "21:00"} for d in range(7)],
        resource=resource,
    )
    from qingshe.credit.models import VenueBooking

    start = timezone.now() - timedelta(days=1, hours=2)
    VenueBooking.objects.create(
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        purpose="读书会",
        people=12,
        group=group,
        booked_by=city.secretary,
    )
    a = selectors_points.partner_achievements(partner=partner.org)
    assert (a.rewards_redeemed, a.rewards_handed_over, a.points_redeemed) == (1, 1, 20)
    assert (a.bookings, a.booking_hours) == (1, Decimal("2.0"))
    assert (a.money_given, a.money_pledged) == (Decimal("800"), Decimal("800"))
    assert (a.in_kind_given, a.resources, a.groups_supported) == (0, 1, 1)


# --- crowdfunding -------------------------------------------------------------------------------
def test_a_campaign_with_pledges_received_by_the_instructor(city, group, partner) -> None:
    campaign = _campaign(city, group)
    mine = services_circle.pledge_make(
        actor=city.student, campaign=campaign, kind="money", amount="200.50"
    )
    services_circle.pledge_make(
        actor=partner.contact, campaign=campaign, kind="money", amount="1000", partner=partner.org
    )
    services_circle.pledge_make(
        actor=city.staff, campaign=campaign, kind="in_kind", amount="120", description="书架一个"
    )
    for outsider in (city.secretary, city.student):
        with pytest.raises(ServiceError) as exc:
            services_circle.pledge_receive(actor=outsider, pledge=mine)
        assert exc.value.status in (403, 404)
    services_circle.pledge_receive(actor=group.instructor, pledge=mine)
    with pytest.raises(ServiceError) as exc:
        services_circle.pledge_receive(actor=group.instructor, pledge=mine)
    assert exc.value.code == "already_received"
    c = selectors_points.campaign_get_for_user(user=city.student, campaign_id=campaign.pk)
    assert (c.pledged, c.received, c.in_kind, c.backers) == (
        Decimal("1200.50"),
        Decimal("200.50"),
        1,
        3,
    )
    assert selectors_points.percent(c.pledged, c.goal) == 24


@pytest.mark.parametrize(
    ("amount", "kind", "code"),
    [
        ("0", "money", "amount_not_positive"),
        ("-50", "money", "amount_not_positive"),
        ("abc", "money", "invalid_amount"),
        ("1.234", "money", "invalid_amount"),
        ("100", "in_kind", "description_required"),
        ("100", "blood", "invalid_choice"),
    ],
)
def test_a_pledge_of_zero_or_negative_is_refused(city, group, amount, kind, code) -> None:
    campaign = _campaign(city, group)
    with pytest.raises(ServiceError) as exc:
        services_circle.pledge_make(actor=city.student, campaign=campaign, kind=kind, amount=amount)
    assert exc.value.code == code
    if code == "amount_not_positive":
        assert str(exc.value.message) == "金额必须大于零。"
    assert not Pledge.objects.exists()


def test_campaign_rules(city, group, partner) -> None:
    with pytest.raises(ServiceError) as exc:
        services_circle.campaign_open(
            actor=city.student,
            group=group,
            title="x",
            description="y",
            goal="10",
            deadline=timezone.localdate(),
        )
    assert exc.value.status == 403
    for goal, deadline, code in (
        ("0", 3, "amount_not_positive"),
        ("100", -1, "invalid_deadline"),
        ("100", 400, "deadline_too_far"),
    ):
        with pytest.raises(ServiceError) as exc:
            services_circle.campaign_open(
                actor=group.instructor,
                group=group,
                title="x",
                description="y",
                goal=goal,
                deadline=timezone.localdate() + timedelta(days=deadline),
            )
        assert exc.value.code == code
    campaign = _campaign(city, group)
    with pytest.raises(ServiceError) as exc:
        _campaign(city, group)
    assert exc.value.code == "campaign_open"
    # Someone of another city cannot pledge; a closed campaign takes no pledge.
    with pytest.raises(ServiceError) as exc:
        services_circle.pledge_make(
            actor=partner.other_contact, campaign=campaign, kind="money", amount="5"
        )
    assert exc.value.status == 404
    # Only for a partner one represents.
    with pytest.raises(ServiceError) as exc:
        services_circle.pledge_make(
            actor=city.student, campaign=campaign, kind="money", amount="5", partner=partner.org
        )
    assert exc.value.status == 403
    services_circle.campaign_close(actor=group.instructor, campaign=campaign)
    with pytest.raises(ServiceError) as exc:
        services_circle.pledge_make(actor=city.student, campaign=campaign, kind="money", amount="5")
    assert exc.value.code == "campaign_closed"
    assert Campaign.objects.count() == 1 and not Pledge.objects.exists()


# --- commendations ------------------------------------------------------------------------------
def test_commend_from_the_ranking_with_bonus_points(
    city, rules, earn, django_capture_on_commit_callbacks
) -> None:
    earn(city.student, days_ago=3, minutes=120)
    earn(city.student2, days_ago=2, minutes=60)
    today = timezone.localdate()
    start = today - timedelta(days=30)
    ranked = selectors_points.ranking(org=city.city, start=start, end=today)
    assert [(r.user, r.hours) for r in ranked] == [
        (city.student, Decimal("2.0")),
        (city.student2, Decimal("1.0")),
    ]
    teams = selectors_points.team_ranking(org=city.city, start=start, end=today)
    assert [(t.team, t.hours) for t in teams] == [
        (city.branch, Decimal("2.0")),
        (city.branch2, Decimal("1.0")),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        c = services_commend.commendation_make(
            actor=city.league_admin,
            org=city.city,
            title="优秀青年志愿者",
            period_start=start,
            period_end=today,
            user=city.student,
        )
    assert c.figures == {"hours": "2.0", "needs": 0, "rank": 1}
    assert Award.objects.get(user=city.student, name="优秀青年志愿者") == c.award
    bonus = PointsTransfer.objects.get(kind=TransferKind.AWARD_COMMENDATION)
    assert (
        bonus.amount == 50
        and bonus.rule == rules.commendation
        and bonus.reason == "获得表彰：优秀青年志愿者"
    )
    assert services_points.balance_of(city.student) == 20 + 50
    with pytest.raises(ServiceError) as exc:
        services_commend.commendation_make(
            actor=city.league_admin,
            org=city.city,
            title="优秀青年志愿者",
            period_start=start,
            period_end=today,
            user=city.student,
        )
    assert exc.value.code == "already_commended"
    assert PointsTransfer.objects.filter(kind=TransferKind.AWARD_COMMENDATION).count() == 1
    team = services_commend.commendation_make(
        actor=city.league_admin,
        org=city.city,
        title="优秀志愿服务团队",
        period_start=start,
        period_end=today,
        team=city.branch,
    )
    assert team.figures["hours"] == "2.0" and team.award is None
    assert services_points.points_problems()[0] == []


def test_commendation_permissions_and_bad_input(city, rules) -> None:
    today = timezone.localdate()
    for outsider in (city.university_admin, city.staff, city.student):
        with pytest.raises(ServiceError) as exc:
            services_commend.commendation_make(
                actor=outsider,
                org=city.city,
                title="x",
                period_start=today,
                period_end=today,
                user=city.student,
            )
        assert exc.value.status == 403
    with pytest.raises(ServiceError) as exc:
        services_commend.commendation_make(
            actor=city.league_admin,
            org=city.city,
            title="x",
            period_start=today,
            period_end=today + timedelta(days=1),
            user=city.student,
        )
    assert exc.value.code == "future_period"
    # A person outside the district committee's subtree.
    with pytest.raises(ServiceError) as exc:
        services_commend.commendation_make(
            actor=city.district_admin,
            org=city.district,
            title="x",
            period_start=today,
            period_end=today,
            user=city.student,
        )
    assert exc.value.status == 404
    assert not Commendation.objects.exists() and not Award.objects.exists()


def test_council_monthly_scores_feed_the_team_ranking(city, rules, earn, client) -> None:
    """月评月考 feeds commendations: between teams of equal hours, the better monthly score
    (self evaluations here) ranks first, and the score is shown on the ranking and in the API."""
    from qingshe.api.tests.utils import api_client
    from qingshe.council import services as council

    earn(city.student, days_ago=1, minutes=60)
    earn(city.student2, days_ago=1, minutes=60)
    today = timezone.localdate()
    council.evaluation_submit(actor=city.student, kind="self", subject_org=city.branch, score=2)
    council.evaluation_submit(actor=city.student2, kind="self", subject_org=city.branch2, score=5)
    start = today.replace(day=1)
    teams = selectors_points.team_ranking(org=city.city, start=start, end=today)
    assert [(t.team, t.hours, t.score) for t in teams] == [
        (city.branch2, Decimal("1.0"), Decimal("100.0")),
        (city.branch, Decimal("1.0"), Decimal("40.0")),
    ]
    body = api_client(city.league_admin).api_get(
        "/commendations/ranking",
        {"org": city.city.pk, "start": start.isoformat(), "end": today.isoformat(), "teams": True},
    )
    assert body.status_code == 200, body.content
    assert [(i["team"], i["score"]) for i in body.json()] == [
        (city.branch2.pk, "100.0"),
        (city.branch.pk, "40.0"),
    ]
    client.force_login(city.league_admin)
    html = client.get(
        "/credit/commendations/",
        {
            "org": city.city.pk,
            "start": start.isoformat(),
            "end": today.isoformat(),
            "title": "优秀团支部",
        },
    ).content.decode()
    assert "月评 100.0 分" in html and "月评 40.0 分" in html

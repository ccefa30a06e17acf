"""Rewards and redemptions: the whole loop (hours → points → a partner's reward → handed over),
cancellation returning points and stock, and each bad input of the issue with its clear message
and nothing written; who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.core.models import AuditEvent, Notification
from qingshe.credit import services_points, services_rewards
from qingshe.credit.models import (
    AccountKind,
    PointsAccount,
    PointsTransfer,
    Redemption,
    Reward,
    TransferKind,
)


def _state(reward: Reward, user) -> tuple:  # type: ignore[no-untyped-def]
    reward.refresh_from_db()
    return (
        reward.stock,
        services_points.balance_of(user),
        Redemption.objects.count(),
        PointsTransfer.objects.exclude(kind=TransferKind.AWARD_HOURS).count(),
        AuditEvent.objects.filter(action="reward.redeem").count(),
    )


def test_hours_become_points_spent_on_a_reward_and_handed_over(
    city, rules, earn, partner, reward, django_capture_on_commit_callbacks
) -> None:
    earn(city.student, days_ago=3, minutes=120)  # 20 points
    earn(city.student, days_ago=2, minutes=60, title="社区图书角整理")  # 10 points
    assert services_points.balance_of(city.student) == 30
    with django_capture_on_commit_callbacks(execute=True):
        redemption = services_rewards.reward_redeem(actor=city.student, reward=reward)
    assert redemption.state == Redemption.State.ISSUED and redemption.points == 20
    assert redemption.code.startswith("DH") and len(redemption.code) == 12
    reward.refresh_from_db()
    assert reward.stock == 4 and services_points.balance_of(city.student) == 10
    partner_account = PointsAccount.objects.get(kind=AccountKind.PARTNER, org=partner.org)
    assert partner_account.balance == 20
    transfer = PointsTransfer.objects.get(key=f"redeem:{redemption.pk}")
    assert transfer.reason == "兑换：图书兑换券" and transfer.redemption == redemption
    assert Notification.objects.filter(user=partner.contact, kind="credit.redeemed").exists()

    with django_capture_on_commit_callbacks(execute=True):
        services_rewards.redemption_hand_over(actor=partner.contact, redemption=redemption)
    redemption.refresh_from_db()
    assert (
        redemption.state == Redemption.State.HANDED_OVER
        and redemption.handed_over_by == partner.contact
    )
    assert Notification.objects.filter(user=city.student, kind="credit.handed_over").exists()
    with pytest.raises(ServiceError) as exc:
        services_rewards.redemption_hand_over(actor=partner.contact, redemption=redemption)
    assert exc.value.code == "already_handed_over" and "已于" in str(exc.value.message)
    with pytest.raises(ServiceError) as exc:
        services_rewards.redemption_cancel(actor=city.student, redemption=redemption)
    assert exc.value.code == "already_handed_over"
    assert services_points.points_problems()[0] == []


def test_cancelling_returns_the_points_and_the_stock(city, rules, earn, partner, reward) -> None:
    earn(city.student, minutes=120)
    mine = services_rewards.reward_redeem(actor=city.student, reward=reward)
    services_rewards.redemption_cancel(actor=city.student, redemption=mine)
    reward.refresh_from_db()
    assert reward.stock == 5 and services_points.balance_of(city.student) == 20
    cancel = PointsTransfer.objects.get(kind=TransferKind.CANCELLATION)
    assert cancel.reverses.key == f"redeem:{mine.pk}" and cancel.amount == 20
    # The partner cancels with a reason (the person is told); without one it is refused.
    again = services_rewards.reward_redeem(actor=city.student, reward=reward)
    with pytest.raises(ServiceError) as exc:
        services_rewards.redemption_cancel(actor=partner.contact, redemption=again)
    assert exc.value.code == "reason_required"
    services_rewards.redemption_cancel(actor=partner.contact, redemption=again, reason="该书已售罄")
    with pytest.raises(ServiceError) as exc:
        services_rewards.redemption_cancel(actor=city.student, redemption=again)
    assert exc.value.code == "already_cancelled"
    assert services_points.balance_of(city.student) == 20
    assert services_points.points_problems()[0] == []


def test_too_few_points(city, rules, earn, reward) -> None:
    earn(city.student, minutes=60)  # 10 points, the reward costs 20
    before = _state(reward, city.student)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_redeem(actor=city.student, reward=reward)
    assert (exc.value.status, exc.value.code) == (409, "not_enough_points")
    assert str(exc.value.message) == "该礼品需要 20 积分，您现有 10 积分。"
    assert _state(reward, city.student) == before


def test_beyond_the_per_person_limit(city, rules, earn, reward) -> None:
    for days in (2, 3, 4):
        earn(city.student, days_ago=days, minutes=120, title=f"活动{days}")  # 60 points
    services_rewards.reward_redeem(actor=city.student, reward=reward)
    services_rewards.reward_redeem(actor=city.student, reward=reward)
    before = _state(reward, city.student)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_redeem(actor=city.student, reward=reward)
    assert (
        exc.value.code == "limit_reached"
        and str(exc.value.message) == "该礼品每人限兑 2 次，您已兑满。"
    )
    assert _state(reward, city.student) == before


@pytest.mark.parametrize(
    ("shift", "code", "message"),
    [(-40, "expired", "已过期"), (10, "not_yet_valid", "起可兑换")],
)
def test_outside_the_validity(city, rules, earn, reward, shift, code, message) -> None:
    earn(city.student, minutes=120)
    today = timezone.localdate()
    Reward.objects.filter(pk=reward.pk).update(
        valid_from=today + timedelta(days=shift), valid_until=today + timedelta(days=shift + 5)
    )
    before = _state(reward, city.student)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_redeem(actor=city.student, reward=reward)
    assert exc.value.code == code and message in str(exc.value.message)
    assert _state(reward, city.student) == before


def test_a_reward_of_another_city(city, rules, earn, partner) -> None:
    earn(city.student, minutes=120)
    today = timezone.localdate()
    theirs = services_rewards.reward_create(
        actor=partner.other_contact,
        partner=partner.other_org,
        kind="service",
        title="小吃套餐",
        price=5,
        stock=3,
        valid_from=today,
        valid_until=today + timedelta(days=5),
    )
    before = _state(theirs, city.student)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_redeem(actor=city.student, reward=theirs)
    assert (exc.value.status, exc.value.code) == (403, "other_city")
    assert str(exc.value.message) == "该礼品由沙县团委的伙伴提供：只能兑换本市的礼品。"
    assert _state(theirs, city.student) == before


def test_sold_out_and_withdrawn(city, rules, earn, partner) -> None:
    earn(city.student, minutes=120)
    earn(city.student2, minutes=120)
    today = timezone.localdate()
    one = services_rewards.reward_create(
        actor=partner.contact,
        partner=partner.org,
        kind="ticket",
        title="电影票",
        price=5,
        stock=1,
        valid_from=today,
        valid_until=today,
    )
    services_rewards.reward_redeem(actor=city.student, reward=one)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_redeem(actor=city.student2, reward=one)
    assert exc.value.code == "out_of_stock" and str(exc.value.message) == "已兑完，没有库存了。"
    services_rewards.reward_restock(actor=partner.contact, reward=one, add=2)
    services_rewards.reward_withdraw(actor=partner.contact, reward=one)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_redeem(actor=city.student2, reward=one)
    assert exc.value.code == "withdrawn"
    one.refresh_from_db()
    assert (one.stock, one.stock_total) == (2, 3)
    assert services_points.points_problems()[0] == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"price": 0}, "invalid_price"),
        ({"price": -3}, "invalid_price"),
        ({"stock": 0}, "invalid_stock"),
        ({"per_person_limit": 0}, "invalid_per_person_limit"),
        ({"title": " "}, "title_required"),
        ({"valid_until": "past"}, "date_in_past"),
        ({"valid_until": "before"}, "invalid_dates"),
    ],
)
def test_bad_rewards_are_refused(city, partner, fields, code) -> None:
    today = timezone.localdate()
    data = {
        "kind": "goods",
        "title": "帆布袋",
        "price": 10,
        "stock": 5,
        "per_person_limit": 1,
        "valid_from": today,
        "valid_until": today + timedelta(days=3),
        **fields,
    }
    if data["valid_until"] == "past":
        data["valid_from"], data["valid_until"] = (
            today - timedelta(days=9),
            today - timedelta(days=1),
        )
    elif data["valid_until"] == "before":
        data["valid_until"] = today - timedelta(days=1)
    with pytest.raises(ServiceError) as exc:
        services_rewards.reward_create(actor=partner.contact, partner=partner.org, **data)
    assert exc.value.code == code
    assert not Reward.objects.exists()


def test_who_may_manage_rewards_and_codes(city, rules, earn, partner, reward) -> None:
    today = timezone.localdate()
    for outsider in (city.student, city.staff, partner.other_contact):
        with pytest.raises(ServiceError) as exc:
            services_rewards.reward_create(
                actor=outsider,
                partner=partner.org,
                kind="goods",
                title="x",
                price=1,
                stock=1,
                valid_from=today,
                valid_until=today,
            )
        assert exc.value.status == 403
    earn(city.student, minutes=120)
    redemption = services_rewards.reward_redeem(actor=city.student, reward=reward)
    for outsider in (city.student2, partner.other_contact, city.staff):
        with pytest.raises(ServiceError) as exc:
            services_rewards.redemption_hand_over(actor=outsider, redemption=redemption)
        assert exc.value.status == 404
        with pytest.raises(ServiceError) as exc:
            services_rewards.redemption_cancel(actor=outsider, redemption=redemption, reason="x")
        assert exc.value.status == 404
    # The league committee above the partner manages its rewards too.
    services_rewards.redemption_hand_over(actor=city.league_admin, redemption=redemption)

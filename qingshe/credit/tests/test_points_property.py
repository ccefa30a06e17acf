"""A property of the points ledger, checked by hypothesis: whatever sequence of earning
(confirmed hours), redeeming, handing over, cancelling and correcting hours happens, every
transfer stays balanced (its lines sum to zero), no person's or partner's balance goes below
zero, every cached and running balance equals the sum of its lines, a reward's stock never goes
below zero and equals what was put up less the live redemptions (each step through the real
services, refused steps included). Each example runs in a savepoint that is rolled back."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qingshe.core.errors import ServiceError
from qingshe.credit import services_points, services_rewards
from qingshe.credit.models import (
    AccountKind,
    PointsAccount,
    PointsEntry,
    Redemption,
    Reward,
)
from qingshe.credit.tests.conftest import last_weekday
from qingshe.duty import services as duty
from qingshe.duty.models import Attendance

STUDENTS = 2
SLOTS_PER_DAY = 5

earn = st.tuples(
    st.just("earn"), st.integers(0, STUDENTS - 1), st.integers(1, 2), st.integers(20, 115)
)
redeem = st.tuples(st.just("redeem"), st.integers(0, STUDENTS - 1), st.integers(0, 2))
# one_of draws each branch alike: earning and redeeming twice as often as the rest.
op = st.one_of(
    earn,
    earn,
    redeem,
    redeem,
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("hand_over"), st.integers(0, 20)),
    st.tuples(st.just("correct"), st.integers(0, 20), st.integers(5, 115)),
)


def _invariants(rewards: list[Reward]) -> None:
    problems, _a, _t = services_points.points_problems()
    assert problems == []
    assert not PointsAccount.objects.filter(balance__lt=0).exclude(kind=AccountKind.ISSUER).exists()
    for reward in rewards:
        reward.refresh_from_db()
        live = Redemption.objects.filter(reward=reward, state__in=Redemption.LIVE_STATES).count()
        assert reward.stock >= 0 and reward.stock + live == reward.stock_total
    for account in PointsAccount.objects.filter(kind=AccountKind.PERSON):
        assert account.balance == sum(
            PointsEntry.objects.filter(account=account).values_list("amount", flat=True)
        )


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.lists(earn, min_size=1, max_size=4), then=st.lists(op, min_size=2, max_size=14))
def test_any_sequence_keeps_the_ledger_balanced_and_no_balance_negative(
    first: list[tuple[Any, ...]],
    then: list[tuple[Any, ...]],
    city,
    rules,
    partner,
    django_capture_on_commit_callbacks,
) -> None:
    students = [city.student, city.student2]
    today = timezone.localdate()
    with transaction.atomic():
        activities = [
            duty.activity_create(
                actor=city.staff,
                organiser=city.community,
                title=f"活动{i}",
                requires_insurance=False,
            )
            for i in (1, 2)
        ]
        rewards = [
            services_rewards.reward_create(
                actor=partner.contact,
                partner=partner.org,
                kind="goods",
                title=f"礼品{i}",
                price=price,
                stock=stock,
                per_person_limit=2,
                valid_from=today,
                valid_until=today + timedelta(days=5),
            )
            for i, (price, stock) in enumerate([(5, 3), (12, 1), (30, 2)])
        ]
        attendances: list[Attendance] = []
        redemptions: list[Redemption] = []
        slot = 0
        for step in [*first, *then]:
            try:
                with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                    if step[0] == "earn":
                        _k, who, act, minutes = step
                        day = last_weekday(today, 1 + slot // SLOTS_PER_DAY)
                        start = timezone.make_aware(
                            datetime.combine(day, time(8 + 2 * (slot % SLOTS_PER_DAY)))
                        )
                        slot += 1
                        shift = duty.shift_add(
                            actor=city.staff,
                            activity=activities[act - 1],
                            starts_at=start,
                            ends_at=start + timedelta(hours=2),
                            capacity=3,
                            leader=city.secretary,
                        )
                        duty.shift_sign_up(
                            actor=students[who], shift=shift, now=start - timedelta(days=1)
                        )
                        attendance = duty.roll_call(
                            actor=city.secretary,
                            shift=shift,
                            user=students[who],
                            checkin_at=start,
                            checkout_at=start + timedelta(minutes=minutes),
                        )
                        attendances.append(
                            duty.attendance_confirm(actor=city.staff, attendance=attendance)
                        )
                    elif step[0] == "redeem":
                        _k, who, which = step
                        redemptions.append(
                            services_rewards.reward_redeem(
                                actor=students[who], reward=rewards[which]
                            )
                        )
                    elif not (redemptions if step[0] in ("cancel", "hand_over") else attendances):
                        event(f"{step[0]}: nothing to act on")
                        continue
                    elif step[0] == "cancel":
                        r = redemptions[step[1] % len(redemptions)]
                        services_rewards.redemption_cancel(actor=r.user, redemption=r)
                    elif step[0] == "hand_over":
                        r = redemptions[step[1] % len(redemptions)]
                        services_rewards.redemption_hand_over(actor=partner.contact, redemption=r)
                    else:
                        a = Attendance.objects.get(pk=attendances[step[1] % len(attendances)].pk)
                        correction = duty.correction_request(
                            actor=a.user,
                            attendance=a,
                            new_start=a.confirmed_start,
                            new_end=a.confirmed_start + timedelta(minutes=step[2]),
                            reason="更正时长",
                        )
                        duty.correction_decide(
                            actor=city.staff, correction=correction, approve=True
                        )
                event(f"{step[0]}: done")
            except ServiceError as exc:  # refused: nothing written (the invariants say so too)
                event(f"{step[0]}: {exc.code}")
            _invariants(rewards)
        transaction.set_rollback(True)

"""At once, on PostgreSQL: eight students grab an open-claim need with three places — exactly
three win, the others get 409 `need_full`; two dispatchers apply the same plan — one applies it,
the other gets 409 `plan_already_applied`, and the offers are made once."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from qingshe.accounts.services import student_profile_save
from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.tests.races import race
from qingshe.duty.models import SignUp
from qingshe.needs.models import DispatchPlan, Need, NeedAssignment, NeedEvent
from qingshe.needs.services import dispatch as ds
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.postgres


def test_grabs_at_once_give_exactly_the_head_count(
    transactional_db: Any, dsp: SimpleNamespace
) -> None:
    assert connection.vendor == "postgresql"
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True, people_needed=3)
    students = []
    for i in range(8):
        user = UserFactory(name=f"抢单学生{i}")
        MembershipFactory(user=user, org=c.branch, role=Role.STUDENT)
        student_profile_save(actor=user, user=user, branch=c.branch, major="社会工作", grade=2025)
        students.append(user)
    need = Need.objects.get(pk=d.need.pk)
    outcomes = race([lambda u=u: ds.need_grab(actor=u, need=need) for u in students])
    assert sorted(outcomes) == ["need_full"] * 5 + ["ok"] * 3
    assert NeedAssignment.objects.filter(need=need, state="accepted").count() == 3
    assert SignUp.objects.filter(shift__activity__need=need, state="confirmed").count() == 3
    # The first grab claims the need and starts the work; later grabs add people to it, and the
    # state is moved exactly once each way (claimed, then in progress), never twice.
    assert Need.objects.get(pk=need.pk).state == "in_progress"
    moves = list(NeedEvent.objects.filter(need=need).values_list("to_state", flat=True))
    assert moves.count("claimed") == 1 and moves.count("in_progress") == 1


def test_the_same_plan_applied_twice_at_once(transactional_db: Any, dsp: SimpleNamespace) -> None:
    assert connection.vendor == "postgresql"
    d, c = dsp, dsp.city
    start = at(d.monday, "00:00")
    plan = ds.dispatch_plan_create(
        actor=d.dispatcher,
        scope=c.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
    )
    outcomes = race(
        [
            lambda: ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan),
            lambda: ds.dispatch_plan_apply(actor=c.district_admin, plan=plan),
        ]
    )
    assert sorted(outcomes) == ["ok", "plan_already_applied"]
    assert NeedAssignment.objects.filter(plan=plan).count() == plan.lines.count() == 1
    assert DispatchPlan.objects.get(pk=plan.pk).state == "applied"

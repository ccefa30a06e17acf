"""The demo's dispatch: a proposed plan for a street, an applied one with offers accepted (on a
duty shift), declined and waiting — one waiting for the `student` login — and open-claim needs
taken (抢单); removed by the demo's reset."""

from __future__ import annotations

import pytest

from qingshe.demo.builder import build_demo, reset_demo
from qingshe.duty.models import SignUp
from qingshe.needs.models import DispatchPlan, NeedAssignment
from qingshe.orgs.models import OrgKind


@pytest.mark.django_db
def test_demo_dispatch() -> None:
    lines: list[str] = []
    ctx = build_demo(seed=2026, size=0.2, log=lines.append)
    city = ctx.extra["city"]
    plans = DispatchPlan.objects.filter(scope__path__startswith=city.path)
    applied = plans.get(state="applied", scope=ctx.extra["login_community"])
    proposed = plans.get(state="proposed")
    assert proposed.scope.kind == OrgKind.STREET and proposed.lines.exists()
    offers = NeedAssignment.objects.filter(plan=applied)
    states = set(offers.values_list("state", flat=True))
    assert {"accepted", "declined", "offered"} <= states
    assert offers.get(state="declined").reason
    student = ctx.logins["student"]
    assert offers.filter(volunteer=student, state="offered").exists()
    for accepted in offers.filter(state="accepted"):
        signup = SignUp.objects.get(user=accepted.volunteer, shift__activity__need=accepted.need)
        assert signup.state == "confirmed" and signup.shift.starts_at == accepted.starts_at
    grabbed = NeedAssignment.objects.filter(
        source="claim", need__title="楼道环境整治", state="accepted"
    )
    assert grabbed.count() == 3
    assert (
        SignUp.objects.filter(
            shift__activity__need__title="楼道环境整治", state="confirmed"
        ).count()
        == 3
    )
    timing = next(line for line in lines if line.strip().startswith("dispatch"))
    assert float(timing.split()[1]) < 3.0
    reset_demo()
    assert not DispatchPlan.objects.filter(scope__path__startswith=city.path).exists()

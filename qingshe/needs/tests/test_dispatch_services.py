"""Dispatch services: plans (create, adjust, discard, apply), offers (accept, decline, withdraw),
direct dispatch and claims (抢单) — each transition, each hard constraint, permissions and bad
input (nothing written)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import Notification
from qingshe.duty import services as duty
from qingshe.duty.models import Activity, SignUp, TrainingRecord
from qingshe.needs.models import DispatchPlan, DispatchPlanLine, Need, NeedAssignment
from qingshe.needs.services import dispatch as ds
from qingshe.needs.services import triage
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at, make_need

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db(transaction=False)
S = Need.State


def _plan(d: SimpleNamespace, actor: Any = None, scope: Any = None, **kw: Any) -> DispatchPlan:
    start = at(d.monday, "00:00")
    return ds.dispatch_plan_create(
        actor=actor or d.dispatcher,
        scope=scope or d.city.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
        **kw,
    )


def _offer(d: SimpleNamespace) -> NeedAssignment:
    plan = _plan(d)
    return ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)[0]


# --- plans --------------------------------------------------------------------------------------
def test_plan_proposes_lines_with_reasons_and_unfilled_causes(dsp: SimpleNamespace) -> None:
    d = dsp
    plan = _plan(d)
    assert plan.state == DispatchPlan.State.PROPOSED
    lines = list(plan.lines.all())
    # Two places; 学生乙 has a class on Monday afternoon, so only 学生甲 can be planned.
    assert [(ln.need_id, ln.volunteer_id) for ln in lines] == [(d.need.pk, d.city.student.pk)]
    line = lines[0]
    assert line.ends_at - line.starts_at == timedelta(minutes=120)
    assert timezone.localtime(line.starts_at).hour >= 14 and line.score > 0
    codes = [r["code"] for r in line.reasons]
    assert codes[0] == "window" and "distance" in codes and "fairness" in codes
    assert plan.unfilled == [
        {
            "need": d.need.pk,
            "wanted": 2,
            "filled": 1,
            "causes": [{"code": "no_one_free_in_window", "params": {"count": 1, "remaining": 1}}],
        }
    ]
    assert plan.stats["volunteers"] == 2 and plan.stats["assigned"] == 1
    assert plan.weights["skill"] == pytest.approx(0.3)


def test_plan_names_skills_and_training_in_reasons(dsp: SimpleNamespace) -> None:
    d = dsp
    need = make_need(
        d,
        title="应急救护培训",
        windows=[(at(d.monday, "09:40"), at(d.monday, "12:00"))],
        people=1,
        skills=["急救"],
        majors=["护理学"],
        courses=[d.course],
        needs_insurance=True,
        work_kind="professional",
    )
    line = _plan(d).lines.get(need=need)
    reasons = {r["code"]: r["params"] for r in line.reasons}
    assert reasons["skills"]["names"] == ["急救"]
    assert reasons["trained"]["names"] == ["社区急救"]
    assert (
        reasons["major"] == {"major": "护理学"} and "insured" in reasons and "work_kind" in reasons
    )


def test_a_need_without_any_time_in_the_horizon_is_unfilled_with_a_cause(
    dsp: SimpleNamespace,
) -> None:
    d = dsp
    saturday = d.monday + timedelta(days=5)
    weekend = make_need(
        d, title="周末义诊", windows=[(at(saturday, "09:00"), at(saturday, "12:00"))]
    )
    plan = _plan(d)
    entry = next(u for u in plan.unfilled if u["need"] == weekend.pk)
    assert entry["causes"] == [{"code": "no_window_in_horizon", "params": {}}]
    # The plan's count of places wanted includes this need's, as its list of needs does.
    short = [u["need"] for u in plan.unfilled]
    full = plan.lines.exclude(need_id__in=short).count()
    assert plan.stats["places"] == sum(u["wanted"] for u in plan.unfilled) + full


def test_a_scope_without_volunteers_says_so(dsp: SimpleNamespace) -> None:
    d = dsp
    make_need(d, title="富华社区活动", community=d.city.community2)
    plan = _plan(d, actor=d.city.district_admin, scope=d.city.community2)
    assert plan.unfilled[0]["causes"][0]["code"] == "no_volunteers"


def test_who_may_plan(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    assert _plan(d, actor=c.district_admin, scope=c.street).scope == c.street
    assert _plan(d, actor=c.league_admin, scope=c.city).lines.count() == 1
    for outsider in (c.staff, c.student, c.secretary, c.other_staff, c.university_admin):
        with pytest.raises(AccessDenied):
            _plan(d, actor=outsider)
    with pytest.raises(AccessDenied):  # the community's secretary plans only the community
        _plan(d, scope=c.street)
    assert DispatchPlan.objects.count() == 2


def test_bad_plan_input_is_refused_and_writes_nothing(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    start = at(d.monday, "00:00")
    cases = [
        ({"scope": c.branch}, "invalid_scope"),
        ({"horizon_start": start, "horizon_end": start}, "invalid_horizon"),
        ({"horizon_start": start, "horizon_end": start + timedelta(days=40)}, "horizon_too_long"),
        (
            {
                "horizon_start": start - timedelta(days=30),
                "horizon_end": start - timedelta(days=20),
            },
            "horizon_past",
        ),
        ({"weights": {"skill": -1}}, "invalid_weight"),
        ({"weights": {"charm": 1}}, "invalid_weight"),
        ({"weights": {"distance_half_km": 0}}, "invalid_weight"),
        ({"weights": {"major": "lots"}}, "invalid_weight"),
    ]
    for kwargs, code in cases:
        kwargs = {"scope": c.community, **kwargs}
        with pytest.raises(ValidationFailed) as exc:
            ds.dispatch_plan_create(actor=c.league_admin, **kwargs)
        assert exc.value.code == code, kwargs
    assert not DispatchPlan.objects.exists()


def test_weights_change_the_choice(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    # Two people free for one place: 学生乙 has no class on Tuesday.
    tuesday = d.monday + timedelta(days=1)
    need = make_need(
        d,
        title="财务记账辅导",
        windows=[(at(tuesday, "14:00"), at(tuesday, "17:00"))],
        people=1,
        skills=["财务记账"],
    )
    assert _plan(d).lines.get(need=need).volunteer_id == c.student2.pk
    chosen = _plan(d, weights={"skill": 0, "fairness": 5}).lines.get(need=need).volunteer_id
    assert chosen in (c.student.pk, c.student2.pk)
    assert ds.weights_from({"skill": "0.5"}).skill == 0.5


# --- adjusting a plan ---------------------------------------------------------------------------
def test_exclude_and_include_a_line(dsp: SimpleNamespace) -> None:
    d = dsp
    plan = _plan(d)
    line = plan.lines.get()
    ds.plan_line_set_included(actor=d.dispatcher, line=line, included=False)
    with pytest.raises(ValidationFailed) as exc:
        ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    assert exc.value.code == "plan_empty"
    ds.plan_line_set_included(actor=d.dispatcher, line=line, included=True)
    assert DispatchPlanLine.objects.get(pk=line.pk).included
    with pytest.raises(AccessDenied):
        ds.plan_line_set_included(actor=d.city.student, line=line, included=False)


def test_including_a_line_again_is_checked(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    line = plan.lines.get()
    ds.plan_line_set_included(actor=d.dispatcher, line=line, included=False)
    activity = duty.activity_create(actor=c.staff, organiser=c.community, title="另一个活动")
    shift = duty.shift_add(
        actor=c.staff, activity=activity, starts_at=line.starts_at, ends_at=line.ends_at, capacity=2
    )
    duty.shift_sign_up(actor=c.student, shift=shift)
    with pytest.raises(Conflict) as exc:
        ds.plan_line_set_included(actor=d.dispatcher, line=line, included=True)
    assert exc.value.code == "overlap"
    assert not DispatchPlanLine.objects.get(pk=line.pk).included


def test_add_a_line_by_hand(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    plan.lines.all().delete()
    line = ds.plan_line_add(
        actor=d.dispatcher,
        plan=plan,
        need=d.need,
        volunteer=c.student,
        starts_at=at(d.monday, "15:00"),
    )
    assert line.added_by_hand and line.included
    assert line.ends_at == at(d.monday, "17:00")
    assert line.reasons[0]["code"] == "by_hand"
    with pytest.raises(Conflict) as exc:
        ds.plan_line_add(
            actor=d.dispatcher,
            plan=plan,
            need=d.need,
            volunteer=c.student,
            starts_at=at(d.monday, "14:00"),
        )
    assert exc.value.code == "line_exists"


@pytest.mark.parametrize(
    ("who", "when", "code"),
    [
        ("student2", "14:00", "in_class"),  # 学生乙's class, Monday 14:00–15:40
        ("student", "13:00", "outside_window"),  # lunch: outside office hours and the window
        ("student", "16:00", "outside_window"),  # would end at 18:00, after the window
    ],
)
def test_a_line_by_hand_must_meet_the_hard_constraints(
    dsp: SimpleNamespace, who: str, when: str, code: str
) -> None:
    d = dsp
    plan = _plan(d)
    plan.lines.all().delete()
    with pytest.raises(ValidationFailed) as exc:
        ds.plan_line_add(
            actor=d.dispatcher,
            plan=plan,
            need=d.need,
            volunteer=getattr(d.city, who),
            starts_at=at(d.monday, when),
        )
    assert exc.value.code == code
    assert not plan.lines.filter(added_by_hand=True).exists()


def test_a_line_by_hand_for_someone_outside_the_area_or_a_bounty_is_refused(
    dsp: SimpleNamespace,
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    with pytest.raises(ValidationFailed) as exc:
        ds.plan_line_add(
            actor=d.dispatcher,
            plan=plan,
            need=d.need,
            volunteer=c.resident,
            starts_at=at(d.monday, "15:00"),
        )
    assert exc.value.code == "not_in_scope"
    other = make_need(d, title="富华社区活动", community=c.community2)
    with pytest.raises(ValidationFailed) as exc:
        ds.plan_line_add(
            actor=d.dispatcher,
            plan=plan,
            need=other,
            volunteer=c.student,
            starts_at=at(d.monday, "15:00"),
        )
    assert exc.value.code == "out_of_scope"
    bounty = make_need(d, title="社区调研", is_bounty=True)
    with pytest.raises(ValidationFailed) as exc:
        ds.plan_line_add(
            actor=d.dispatcher,
            plan=plan,
            need=bounty,
            volunteer=c.student,
            starts_at=at(d.monday, "15:00"),
        )
    assert exc.value.code == "is_bounty"


def test_a_second_line_for_the_same_person_at_the_same_time_is_refused(
    dsp: SimpleNamespace,
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    line = plan.lines.get()
    other = make_need(d, title="助老送餐", windows=[(at(d.monday, "14:00"), at(d.monday, "17:00"))])
    with pytest.raises(ValidationFailed) as exc:
        ds.plan_line_add(
            actor=d.dispatcher, plan=plan, need=other, volunteer=c.student, starts_at=line.starts_at
        )
    assert exc.value.code == "overlap"


def test_discard(dsp: SimpleNamespace) -> None:
    d = dsp
    plan = _plan(d)
    with pytest.raises(AccessDenied):
        ds.dispatch_plan_discard(actor=d.city.student, plan=plan)
    ds.dispatch_plan_discard(actor=d.dispatcher, plan=plan)
    with pytest.raises(Conflict) as exc:
        ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    assert exc.value.code == "plan_discarded"


# --- applying -----------------------------------------------------------------------------------
def test_apply_makes_offers_moves_the_need_and_tells_the_volunteer(
    dsp: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    with django_capture_on_commit_callbacks(execute=True):
        offers = ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    assert [(o.volunteer_id, o.state, o.source, o.plan_id) for o in offers] == [
        (c.student.pk, "offered", "plan", plan.pk)
    ]
    plan.refresh_from_db()
    assert plan.state == "applied" and plan.applied_by == d.dispatcher and plan.applied_at
    need = Need.objects.get(pk=d.need.pk)
    assert need.state == S.DISPATCHED
    assert need.events.filter(to_state=S.DISPATCHED, actor=d.dispatcher).exists()
    note = Notification.objects.get(user=c.student, kind="dispatch.offer")
    assert "敬老院陪伴" in note.title and note.url == "/dispatch/offers/"


def test_apply_twice_is_409(dsp: SimpleNamespace) -> None:
    d = dsp
    plan = _plan(d)
    ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    with pytest.raises(Conflict) as exc:
        ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    assert exc.value.code == "plan_already_applied"
    assert NeedAssignment.objects.count() == 1


def test_apply_by_an_outsider_is_refused(dsp: SimpleNamespace) -> None:
    d = dsp
    plan = _plan(d)
    for outsider in (d.city.student, d.city.other_staff, d.city.staff):
        with pytest.raises(AccessDenied):
            ds.dispatch_plan_apply(actor=outsider, plan=plan)
    assert not NeedAssignment.objects.exists()


def _stale(d: SimpleNamespace, change: Any) -> Conflict:
    plan = _plan(d)
    line = plan.lines.get()
    change(d, line)
    before = (NeedAssignment.objects.count(), Need.objects.get(pk=d.need.pk).state)
    with pytest.raises(Conflict) as exc:
        ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    plan.refresh_from_db()
    assert plan.state == "proposed"
    assert (NeedAssignment.objects.count(), Need.objects.get(pk=d.need.pk).state) == before
    assert exc.value.code == "plan_stale"
    return exc.value


def _signed_up_meanwhile(d: SimpleNamespace, line: DispatchPlanLine) -> None:
    activity = duty.activity_create(
        actor=d.city.staff, organiser=d.city.community, title="消防演练"
    )
    shift = duty.shift_add(
        actor=d.city.staff,
        activity=activity,
        starts_at=line.starts_at,
        ends_at=line.ends_at,
        capacity=3,
    )
    duty.shift_sign_up(actor=d.city.student, shift=shift)


def _over_cap_meanwhile(d: SimpleNamespace, line: DispatchPlanLine) -> None:
    other = make_need(
        d,
        title="长时值守",
        windows=[
            (at(d.monday + timedelta(days=2), "08:00"), at(d.monday + timedelta(days=2), "17:00"))
        ],
    )
    NeedAssignment.objects.create(
        need=other,
        volunteer=d.city.student,
        source="plan",
        state="accepted",
        starts_at=at(d.monday + timedelta(days=2), "08:30"),
        ends_at=at(d.monday + timedelta(days=2), "15:30"),
    )


def _training_lapsed(d: SimpleNamespace, line: DispatchPlanLine) -> None:
    TrainingRecord.objects.filter(user=d.city.student).update(valid_until=timezone.localdate())


def _insurance_ended(d: SimpleNamespace, line: DispatchPlanLine) -> None:
    d.policy.covered.remove(d.city.student)


def _filled_meanwhile(d: SimpleNamespace, line: DispatchPlanLine) -> None:
    Need.objects.filter(pk=d.need.pk).update(people_needed=1)
    NeedAssignment.objects.create(
        need=d.need,
        volunteer=d.city.student2,
        source="claim",
        state="accepted",
        starts_at=at(d.monday, "15:40"),
        ends_at=at(d.monday, "17:40"),
    )


def _need_closed_meanwhile(d: SimpleNamespace, line: DispatchPlanLine) -> None:
    Need.objects.filter(pk=d.need.pk).update(state=S.REJECTED)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_signed_up_meanwhile, "学生甲 · 敬老院陪伴"),
        (_over_cap_meanwhile, "8"),
        (_training_lapsed, "社区急救"),
        (_insurance_ended, "学生甲"),
        (_filled_meanwhile, "1"),
        (_need_closed_meanwhile, "敬老院陪伴"),
    ],
)
def test_a_stale_plan_is_refused_whole(dsp: SimpleNamespace, change: Any, words: str) -> None:
    d = dsp
    if change in (_training_lapsed, _insurance_ended):
        Need.objects.filter(pk=d.need.pk).update(needs_insurance=True)
        d.need.required_courses.set([d.course])
    exc = _stale(d, change)
    assert words in str(exc.message)


def test_a_stale_line_refuses_the_good_ones_too(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    tuesday = d.monday + timedelta(days=1)
    make_need(
        d,
        title="财务记账辅导",
        windows=[(at(tuesday, "14:00"), at(tuesday, "17:00"))],
        people=1,
        skills=["财务记账"],
    )
    plan = _plan(d)
    assert plan.lines.count() == 2
    line = plan.lines.get(need=d.need)
    _signed_up_meanwhile(d, line)
    with pytest.raises(Conflict):
        ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    assert not NeedAssignment.objects.exists()
    # Leaving the stale line out, the rest applies.
    ds.plan_line_set_included(actor=d.dispatcher, line=line, included=False)
    offers = ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    assert [o.volunteer_id for o in offers] == [c.student2.pk]


def test_two_plans_of_the_same_people_second_is_stale(dsp: SimpleNamespace) -> None:
    d = dsp
    first, second = _plan(d), _plan(d)
    ds.dispatch_plan_apply(actor=d.dispatcher, plan=first)
    with pytest.raises(Conflict) as exc:
        ds.dispatch_plan_apply(actor=d.dispatcher, plan=second)
    assert exc.value.code == "plan_stale"


# --- the volunteer's answer ---------------------------------------------------------------------
def test_accept_puts_the_volunteer_on_the_needs_duty_shift(
    dsp: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    d, c = dsp, dsp.city
    offer = _offer(d)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = ds.assignment_accept(actor=c.student, assignment=offer)
    assert accepted.state == "accepted" and accepted.responded_at
    need = Need.objects.get(pk=d.need.pk)
    assert need.state == S.IN_PROGRESS
    activity = Activity.objects.get(need=need)
    assert activity.organiser == c.community and activity.created_by == d.dispatcher
    signup = SignUp.objects.get(user=c.student)
    assert signup.state == "confirmed"
    assert (signup.shift.starts_at, signup.shift.ends_at) == (offer.starts_at, offer.ends_at)
    assert Notification.objects.filter(user=d.dispatcher, kind="dispatch.accepted").exists()
    # Accepting again changes nothing.
    assert ds.assignment_accept(actor=c.student, assignment=offer).state == "accepted"
    assert SignUp.objects.filter(user=c.student).count() == 1


def test_someone_else_cannot_answer_an_offer(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offer = _offer(d)
    for other in (c.student2, d.dispatcher):
        with pytest.raises(NotFound):
            ds.assignment_accept(actor=other, assignment=offer)
        with pytest.raises(NotFound):
            ds.assignment_decline(actor=other, assignment=offer, reason="不行")
    assert NeedAssignment.objects.get(pk=offer.pk).state == "offered"


def test_accept_refused_by_duty_keeps_the_offer(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    d.need.required_courses.set([d.course])
    offer = _offer(d)
    TrainingRecord.objects.filter(user=c.student).delete()
    with pytest.raises(ValidationFailed) as exc:
        ds.assignment_accept(actor=c.student, assignment=offer)
    assert exc.value.code == "training_missing" and "社区急救" in str(exc.value.message)
    assert NeedAssignment.objects.get(pk=offer.pk).state == "offered"
    assert Need.objects.get(pk=d.need.pk).state == S.DISPATCHED
    assert not SignUp.objects.exists()


def test_accept_after_the_start_is_too_late(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offer = _offer(d)
    with pytest.raises(Conflict) as exc:
        ds.assignment_accept(
            actor=c.student, assignment=offer, now=offer.starts_at + timedelta(minutes=1)
        )
    assert exc.value.code == "offer_expired"


def test_decline_reopens_the_place(
    dsp: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    d, c = dsp, dsp.city
    offer = _offer(d)
    with pytest.raises(ValidationFailed) as exc:
        ds.assignment_decline(actor=c.student, assignment=offer, reason="  ")
    assert exc.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        declined = ds.assignment_decline(actor=c.student, assignment=offer, reason="那天要考试")
    assert declined.state == "declined" and declined.reason == "那天要考试"
    assert Need.objects.get(pk=d.need.pk).state == S.ACCEPTED
    note = Notification.objects.get(user=d.dispatcher, kind="dispatch.declined")
    assert "学生甲" in note.title and note.body == "那天要考试"
    with pytest.raises(Conflict) as exc:
        ds.assignment_accept(actor=c.student, assignment=offer)
    assert exc.value.code == "offer_closed"
    # The place is open again: a new plan offers it (to the same person, who is free again).
    assert _plan(d).lines.count() == 1


def test_decline_keeps_the_need_dispatched_while_another_offer_is_live(
    dsp: SimpleNamespace,
) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(minutes_each=60)
    plan = _plan(d)
    assert plan.lines.count() == 2  # one hour: 学生乙 fits after class
    offers = {o.volunteer_id: o for o in ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)}
    ds.assignment_decline(actor=c.student, assignment=offers[c.student.pk], reason="有事")
    assert Need.objects.get(pk=d.need.pk).state == S.DISPATCHED
    ds.assignment_accept(actor=c.student2, assignment=offers[c.student2.pk])
    assert Need.objects.get(pk=d.need.pk).state == S.IN_PROGRESS


def test_withdraw_by_the_volunteer_and_by_the_dispatcher(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offer = _offer(d)
    ds.assignment_accept(actor=c.student, assignment=offer)
    with pytest.raises(NotFound):
        ds.assignment_withdraw(actor=c.student2, assignment=offer)
    ds.assignment_withdraw(actor=c.student, assignment=offer, reason="")
    assert NeedAssignment.objects.get(pk=offer.pk).state == "withdrawn"
    assert SignUp.objects.get(user=c.student).state == "cancelled"
    assert Need.objects.get(pk=d.need.pk).state == S.ACCEPTED
    # The dispatcher withdraws an offer, with a reason.
    offer = _offer(d)
    with pytest.raises(ValidationFailed):
        ds.assignment_withdraw(actor=d.dispatcher, assignment=offer, reason="")
    ds.assignment_withdraw(actor=d.dispatcher, assignment=offer, reason="活动改期")
    assert NeedAssignment.objects.get(pk=offer.pk).state == "withdrawn"
    with pytest.raises(Conflict):
        ds.assignment_withdraw(actor=d.dispatcher, assignment=offer, reason="再次")


def test_volunteer_cannot_withdraw_after_the_start(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offer = _offer(d)
    with pytest.raises(Conflict) as exc:
        ds.assignment_withdraw(
            actor=c.student, assignment=offer, now=offer.starts_at + timedelta(minutes=5)
        )
    assert exc.value.code == "already_started"


# --- direct dispatch ----------------------------------------------------------------------------
def test_direct_dispatch_names_people(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offers = ds.need_dispatch_direct(
        actor=d.dispatcher, need=d.need, volunteers=[c.student], starts_at=at(d.monday, "14:30")
    )
    assert [(o.volunteer_id, o.state, o.source) for o in offers] == [
        (c.student.pk, "offered", "plan")
    ]
    plan = offers[0].plan
    assert plan.state == "applied" and plan.stats["direct"] and plan.lines.get().added_by_hand
    assert Need.objects.get(pk=d.need.pk).state == S.DISPATCHED


def test_direct_dispatch_checks_like_apply_and_writes_nothing(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    with pytest.raises(ValidationFailed) as exc:
        ds.need_dispatch_direct(
            actor=d.dispatcher,
            need=d.need,
            volunteers=[c.student, c.student2],
            starts_at=at(d.monday, "14:00"),
        )
    assert exc.value.code == "in_class" and "学生乙" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        ds.need_dispatch_direct(
            actor=d.dispatcher, need=d.need, volunteers=[], starts_at=at(d.monday, "14:00")
        )
    assert exc.value.code == "volunteers_required"
    with pytest.raises(AccessDenied):
        ds.need_dispatch_direct(
            actor=c.student, need=d.need, volunteers=[c.student], starts_at=at(d.monday, "14:00")
        )
    assert not DispatchPlan.objects.exists() and not NeedAssignment.objects.exists()


def test_direct_dispatch_respects_the_head_count(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(people_needed=1)
    StudentProfileBusy = c.student2  # 学生乙 is free from 15:40
    with pytest.raises(ValidationFailed) as exc:
        ds.need_dispatch_direct(
            actor=d.dispatcher,
            need=d.need,
            volunteers=[c.student, StudentProfileBusy],
            starts_at=at(d.monday, "15:00"),
        )
    assert exc.value.code in ("need_full", "in_class")


# --- claims (抢单) --------------------------------------------------------------------------------
def test_grab_an_open_claim_need(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True, minutes_each=60)
    assignment = ds.need_grab(actor=c.student, need=d.need)
    assert (assignment.state, assignment.source) == ("accepted", "claim")
    assert assignment.starts_at == at(d.monday, "14:00")
    # Claimed, then under way at once: the claimant holds an accepted place and may report it done.
    need = Need.objects.get(pk=d.need.pk)
    assert need.state == S.IN_PROGRESS
    assert list(need.events.values_list("to_state", flat=True))[-2:] == [S.CLAIMED, S.IN_PROGRESS]
    assert triage.can_report_done(c.student, need)
    signup = SignUp.objects.get(user=c.student)
    assert (
        signup.shift.activity.need_id == d.need.pk
        and signup.shift.starts_at == assignment.starts_at
    )
    with pytest.raises(Conflict) as exc:
        ds.need_grab(actor=c.student, need=d.need)
    assert exc.value.code == "already_assigned"
    # 学生乙 is in class until 15:40: the first time both free and inside the window is then.
    second = ds.need_grab(actor=c.student2, need=d.need)
    assert second.starts_at == at(d.monday, "15:40")
    with pytest.raises(Conflict) as exc:
        ds.need_grab(actor=c.student2, need=d.need)
    assert exc.value.code in ("need_full", "already_assigned")


def test_grab_refusals(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    with pytest.raises(Conflict) as exc:
        ds.need_grab(actor=c.student, need=d.need)
    assert exc.value.code == "not_open_claim"
    Need.objects.filter(pk=d.need.pk).update(open_claim=True, people_needed=1)
    with pytest.raises(AccessDenied):
        ds.need_grab(actor=c.resident, need=d.need)
    # 学生乙's only free time in the window is 15:40–17:00: too short for two hours.
    with pytest.raises(ValidationFailed) as exc:
        ds.need_grab(actor=c.student2, need=d.need)
    assert exc.value.code == "no_free_window"
    Need.objects.filter(pk=d.need.pk).update(needs_insurance=True)
    d.policy.covered.remove(c.student)
    with pytest.raises(ValidationFailed) as exc:
        ds.need_grab(actor=c.student, need=d.need)
    assert exc.value.code == "insurance_missing"
    d.policy.covered.add(c.student)
    ds.need_grab(actor=c.student, need=d.need)
    Need.objects.filter(pk=d.need.pk).update(people_needed=1)
    with pytest.raises(Conflict) as exc:
        ds.need_grab(actor=c.student2, need=d.need)
    assert exc.value.code == "need_full"
    assert NeedAssignment.objects.count() == 1


def test_grab_at_a_chosen_time(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True)
    assignment = ds.need_grab(actor=c.student, need=d.need, starts_at=at(d.monday, "15:00"))
    assert assignment.ends_at == at(d.monday, "17:00")
    with pytest.raises(ValidationFailed) as exc:
        ds.need_grab(actor=c.student2, need=d.need, starts_at=at(d.monday, "14:00"))
    assert exc.value.code == "in_class"


# --- the whole loop -----------------------------------------------------------------------------
def test_a_residents_order_dispatched_accepted_done_and_verified(dsp: SimpleNamespace) -> None:
    """居民点单—团团派单—青年接单, then reported done and verified by the intake services."""
    from qingshe.needs.services.needs import need_submit
    from qingshe.needs.services.triage import need_accept, need_report_done, need_verify

    d, c = dsp, dsp.city
    order = need_submit(
        actor=c.resident,
        community=c.community,
        title="帮我母亲学用智能手机挂号",
        project_type="governance",
        service_field="technology",
        windows=[(at(d.monday, "09:40"), at(d.monday, "12:00"))],
        minutes_each=90,
    )
    need_accept(actor=c.staff, need=order)
    plan = _plan(d)
    volunteer = plan.lines.get(need=order).volunteer
    assert volunteer in (c.student, c.student2)
    [offer] = [
        o for o in ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan) if o.need_id == order.pk
    ]
    ds.assignment_accept(actor=volunteer, assignment=offer)
    assert Need.objects.get(pk=order.pk).state == S.IN_PROGRESS
    need_report_done(actor=volunteer, need=order, note="已教会老人用手机挂号并演示两遍。")
    need_verify(actor=c.staff, need=order, evidence="电话回访老人，确认已能独立挂号。")
    moves = list(
        Need.objects.get(pk=order.pk).events.order_by("at", "pk").values_list("to_state", flat=True)
    )
    assert moves[-5:] == ["accepted", "dispatched", "in_progress", "claimed_done", "verified"]


def test_a_declined_place_reopens_while_others_already_serve(dsp: SimpleNamespace) -> None:
    """A need in progress with a free place (someone declined or withdrew) can still be claimed."""
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True, minutes_each=60, people_needed=2)
    ds.need_grab(actor=c.student, need=d.need)
    assert Need.objects.get(pk=d.need.pk).state == S.IN_PROGRESS
    second = ds.need_grab(actor=c.student2, need=d.need)
    assert second.state == "accepted"
    assert Need.objects.get(pk=d.need.pk).state == S.IN_PROGRESS

"""The dispatch API: a proposal with reasons and causes (codes and words in the request's
language), adjusting and applying (409 twice or stale, nothing written), direct dispatch,
accept/decline/withdraw, claims (抢单 and 揭榜), my offers; outsiders and bad input."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.duty import services as duty
from qingshe.duty.models import SignUp
from qingshe.needs.models import DispatchPlan, Need, NeedAssignment
from qingshe.needs.services import dispatch as ds
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at, make_need

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db


def _body(d: SimpleNamespace, **over: Any) -> dict[str, Any]:
    return {
        "scope": d.city.community.pk,
        "horizon_start": at(d.monday, "00:00").isoformat(),
        "horizon_end": (at(d.monday, "00:00") + timedelta(days=7)).isoformat(),
        **over,
    }


def _plan(d: SimpleNamespace) -> DispatchPlan:
    start = at(d.monday, "00:00")
    return ds.dispatch_plan_create(
        actor=d.dispatcher,
        scope=d.city.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
    )


def test_post_plan_returns_the_proposal_with_reasons_and_causes(dsp: SimpleNamespace) -> None:
    d = dsp
    response = api_client(d.dispatcher).api_post("/dispatch/plan", _body(d))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "proposed" and body["scope"]["kind"] == "community"
    [line] = body["lines"]
    assert line["volunteer_name"] == "学生甲" and line["need"] == d.need.pk and line["included"]
    texts = [r["text"] for r in line["reasons"]]
    assert texts[0].startswith("共同空闲：周一") and "距离 1.1 公里" in texts
    assert line["reasons"][0]["code"] == "window" and "start" in line["reasons"][0]["params"]
    [short] = body["unfilled"]
    assert short["need"] == d.need.pk and (short["wanted"], short["filled"]) == (2, 1)
    assert short["causes"] == [
        {
            "code": "no_one_free_in_window",
            "params": {"count": 1, "remaining": 1},
            "text": "1 人在该时段没空",
        }
    ]
    assert body["weights"]["fairness"] == pytest.approx(0.2)


def test_reasons_in_english_when_asked(dsp: SimpleNamespace) -> None:
    d = dsp
    body = api_client(d.dispatcher, language="en").api_post("/dispatch/plan", _body(d)).json()
    texts = [r["text"] for r in body["lines"][0]["reasons"]]
    assert texts[0].startswith("Free at the same time: Mon") and "1.1 km away" in texts
    assert body["unfilled"][0]["causes"][0]["text"] == "1 are not free in that time window"


def test_plan_bad_input_and_permissions(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    client = api_client(d.dispatcher)
    assert_error(
        client.api_post("/dispatch/plan", _body(d, weights={"skill": -1})), 422, "invalid_weight"
    )
    assert_error(
        client.api_post("/dispatch/plan", _body(d, horizon_end=_body(d)["horizon_start"])),
        422,
        "invalid_horizon",
    )
    assert_error(client.api_post("/dispatch/plan", {"scope": "x"}), 422, "invalid_input")
    body = assert_error(
        client.api_post("/dispatch/plan", _body(d, scope=c.other_community.pk)), 404, "not_found"
    )
    assert body["field"] == "scope"
    assert_error(client.api_post("/dispatch/plan", _body(d, scope=c.street.pk)), 403, "forbidden")
    assert_error(api_client(c.staff).api_post("/dispatch/plan", _body(d)), 403, "forbidden")
    assert_error(api_client().api_post("/dispatch/plan", _body(d)), 401, "not_authenticated")
    assert not DispatchPlan.objects.exists()


def test_list_detail_and_outsiders(
    dsp: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    client = api_client(d.dispatcher)
    with django_assert_max_num_queries(6):
        body = client.api_get("/dispatch/plans").json()
    assert body["count"] == 1 and body["items"][0]["id"] == plan.pk
    assert (
        client.api_get(f"/dispatch/plan/{plan.pk}").json()["lines"][0]["id"] == plan.lines.get().pk
    )
    assert api_client(c.league_admin).api_get("/dispatch/plans").json()["count"] == 1
    for outsider in (c.student, c.other_staff, c.staff):
        other = api_client(outsider)
        assert other.api_get("/dispatch/plans").json()["count"] == 0
        assert_error(other.api_get(f"/dispatch/plan/{plan.pk}"), 404, "not_found")
        assert_error(other.api_post(f"/dispatch/plan/{plan.pk}/apply"), 404, "not_found")
    assert not NeedAssignment.objects.exists()


def test_include_exclude_add_and_apply(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    line = plan.lines.get()
    client = api_client(d.dispatcher)
    body = client.api_post(f"/dispatch/plan/{plan.pk}/lines/{line.pk}", {"included": False}).json()
    assert body["included"] is False
    assert_error(client.api_post(f"/dispatch/plan/{plan.pk}/apply"), 422, "plan_empty")
    assert client.api_post(f"/dispatch/plan/{plan.pk}/lines/{line.pk}", {"included": True}).json()[
        "included"
    ]
    # A person added by hand: refused in class, accepted after it (one hour).
    Need.objects.filter(pk=d.need.pk).update(minutes_each=60)
    add = {
        "need": d.need.pk,
        "volunteer": c.student2.pk,
        "starts_at": at(d.monday, "14:00").isoformat(),
    }
    assert_error(client.api_post(f"/dispatch/plan/{plan.pk}/lines", add), 422, "in_class")
    add["starts_at"] = at(d.monday, "15:45").isoformat()
    body = client.api_post(f"/dispatch/plan/{plan.pk}/lines", add).json()
    assert body["added_by_hand"] and body["reasons"][0]["text"] == "调度员人工指派"
    assert_error(
        client.api_post(f"/dispatch/plan/{plan.pk}/lines", {**add, "need": 999999}),
        404,
        "not_found",
    )
    # The engine's line lasts two hours from when it was planned; it now runs past the need's
    # new minutes: stale. Leave it out and apply the rest.
    assert_error(client.api_post(f"/dispatch/plan/{plan.pk}/apply"), 409, "plan_stale")
    client.api_post(f"/dispatch/plan/{plan.pk}/lines/{line.pk}", {"included": False})
    offers = client.api_post(f"/dispatch/plan/{plan.pk}/apply").json()
    assert [(o["volunteer"], o["state"], o["source"]) for o in offers] == [
        (c.student2.pk, "offered", "plan")
    ]
    body = assert_error(
        client.api_post(f"/dispatch/plan/{plan.pk}/apply"), 409, "plan_already_applied"
    )
    assert body["detail"] == "这份计划已经执行过了。"


def test_stale_plan_is_409_and_writes_nothing(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    line = plan.lines.get()
    activity = duty.activity_create(actor=c.staff, organiser=c.community, title="消防演练")
    shift = duty.shift_add(
        actor=c.staff, activity=activity, starts_at=line.starts_at, ends_at=line.ends_at, capacity=3
    )
    duty.shift_sign_up(actor=c.student, shift=shift)
    body = assert_error(
        api_client(d.dispatcher).api_post(f"/dispatch/plan/{plan.pk}/apply"), 409, "plan_stale"
    )
    assert "学生甲 · 敬老院陪伴" in body["detail"]
    assert not NeedAssignment.objects.exists()
    assert DispatchPlan.objects.get().state == "proposed"
    assert Need.objects.get(pk=d.need.pk).state == "accepted"


def test_discard(dsp: SimpleNamespace) -> None:
    d = dsp
    plan = _plan(d)
    client = api_client(d.dispatcher)
    assert client.api_post(f"/dispatch/plan/{plan.pk}/discard").json()["state"] == "discarded"
    assert_error(client.api_post(f"/dispatch/plan/{plan.pk}/apply"), 409, "plan_discarded")


def test_accept_decline_withdraw_and_my_offers(
    dsp: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    d, c = dsp, dsp.city
    ds.dispatch_plan_apply(actor=d.dispatcher, plan=_plan(d))
    student = api_client(c.student)
    with django_assert_max_num_queries(6):
        body = student.api_get("/me/offers").json()
    [offer] = body["items"]
    assert offer["state"] == "offered" and offer["need_title"] == "敬老院陪伴" and offer["reasons"]
    assert_error(api_client(c.student2).api_post(f"/needs/{d.need.pk}/accept"), 404, "not_found")
    assert_error(
        student.api_post(f"/needs/{d.need.pk}/decline", {"reason": " "}), 422, "reason_required"
    )
    body = student.api_post(f"/needs/{d.need.pk}/accept").json()
    assert body["state"] == "accepted" and body["state_label"]
    assert SignUp.objects.get(user=c.student).state == "confirmed"
    assert Need.objects.get(pk=d.need.pk).state == "in_progress"
    assert_error(
        student.api_post(f"/needs/{d.need.pk}/decline", {"reason": "临时有事"}), 404, "not_found"
    )
    body = student.api_post(f"/needs/{d.need.pk}/withdraw", {"reason": "临时有事"}).json()
    assert body["state"] == "withdrawn"
    assert student.api_get("/me/offers").json()["count"] == 0
    assert student.api_get("/me/offers", {"state": "withdrawn"}).json()["count"] == 1
    assert_error(student.api_get("/me/offers", {"state": "nonsense"}), 422, "invalid_choice")


def test_decline_reopens(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    ds.dispatch_plan_apply(actor=d.dispatcher, plan=_plan(d))
    body = (
        api_client(c.student)
        .api_post(f"/needs/{d.need.pk}/decline", {"reason": "那天要考试"})
        .json()
    )
    assert body["state"] == "declined" and body["reason"] == "那天要考试"
    assert Need.objects.get(pk=d.need.pk).state == "accepted"


def test_direct_dispatch(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    client = api_client(d.dispatcher)
    payload = {"volunteers": [c.student.pk], "starts_at": at(d.monday, "14:30").isoformat()}
    assert_error(
        api_client(c.other_staff).api_post(f"/needs/{d.need.pk}/dispatch", payload),
        404,
        "not_found",
    )
    assert_error(
        api_client(c.student).api_post(f"/needs/{d.need.pk}/dispatch", payload), 404, "not_found"
    )
    assert_error(
        client.api_post(f"/needs/{d.need.pk}/dispatch", {**payload, "volunteers": []}),
        422,
        "invalid_input",
    )
    assert_error(
        client.api_post(f"/needs/{d.need.pk}/dispatch", {**payload, "volunteers": [c.student2.pk]}),
        422,
        "in_class",
    )
    assert_error(
        client.api_post(f"/needs/{d.need.pk}/dispatch", {**payload, "volunteers": [987654]}),
        422,
        "not_in_scope",
    )
    assert not NeedAssignment.objects.exists()
    response = client.api_post(f"/needs/{d.need.pk}/dispatch", payload)
    assert response.status_code == 201
    assert [(o["volunteer"], o["state"]) for o in response.json()] == [(c.student.pk, "offered")]


def test_claim_an_open_claim_need(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True, people_needed=1)
    student = api_client(c.student)
    body = student.api_get("/dispatch/claims").json()
    assert (
        body["count"] == 1
        and body["items"][0]["id"] == d.need.pk
        and body["items"][0]["taken"] == 0
    )
    response = student.api_post(f"/needs/{d.need.pk}/claim", {})
    assert response.status_code == 201
    body = response.json()
    assert (
        body["kind"] == "open_claim"
        and body["assignment"]["state"] == "accepted"
        and body["bounty_claim"] is None
    )
    assert_error(api_client(c.student2).api_post(f"/needs/{d.need.pk}/claim", {}), 409, "need_full")
    assert_error(api_client(c.resident).api_post(f"/needs/{d.need.pk}/claim", {}), 403, "forbidden")
    assert_error(student.api_post("/needs/999999/claim", {}), 404, "not_found")
    other = make_need(d, title="助老送餐")
    assert_error(student.api_post(f"/needs/{other.pk}/claim", {}), 409, "not_open_claim")


def test_claim_a_bounty_goes_to_the_bounty_service(dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    bounty = make_need(d, title="社区需求调研", is_bounty=True)
    admin = api_client(c.university_admin)
    assert_error(admin.api_post(f"/needs/{bounty.pk}/claim", {}), 422, "claimant_required")
    response = admin.api_post(
        f"/needs/{bounty.pk}/claim",
        {"claimant": c.university.pk, "plan": "组织社会工作专业学生入户调查。"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "bounty" and body["bounty_claim"]["claimant"] == c.university.pk
    assert Need.objects.get(pk=bounty.pk).state == "claimed"
    assert_error(
        api_client(c.student).api_post(f"/needs/{bounty.pk}/claim", {"claimant": c.university.pk}),
        403,
        "forbidden",
    )

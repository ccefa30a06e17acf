# ruff: noqa: F811 - the fixture imported from bounty_fixtures is a parameter by the same name
"""Whole journeys through the API, each step by the person who takes it in real life:

- 居民点单—团团派单—青年接单: a resident orders a service, the community takes it up, the
  community's league secretary plans and applies a dispatch, the student accepts the offer,
  reports the work done, the community verifies it with evidence; the resident says it is not
  solved (reopen), the work is done again, verified again and closed;
- 揭榜挂帅: the community posts a bounty, a university takes it up and assigns it to a
  department's project group, the group starts it, reports it done, it is verified and closed,
  and the claim is carried out.

Every state change is in the need's history with the person who made it.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.needs.models import BountyClaim, Need, NeedEvent, ProjectGroup
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.bounty_fixtures import PLAN, other_university  # noqa: F401
from qingshe.needs.tests.dispatch_setup import at

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db


def _history(need_id: int) -> list[tuple[str, str]]:
    return [
        (e.to_state, e.actor.name if e.actor else "")
        for e in NeedEvent.objects.filter(need_id=need_id).select_related("actor")
    ]


def test_a_residents_order_dispatched_by_plan_accepted_done_verified_reopened_and_closed(
    dsp: SimpleNamespace,
) -> None:
    d, c = dsp, dsp.city
    tuesday = d.monday + timedelta(days=1)
    resident = api_client(c.resident)
    order = {
        "community": c.community.pk,
        "title": "帮我家老人读报、量血压",
        "description": "老人独居，想请学生每周来一次。",
        "project_type": "governance",
        "service_field": "health",
        "windows": [
            {
                "starts_at": at(tuesday, "09:00").isoformat(),
                "ends_at": at(tuesday, "12:00").isoformat(),
            }
        ],
        "people_needed": 1,
        "minutes_each": 90,
    }
    response = resident.api_post("/needs", order)
    assert response.status_code == 201, response.content
    need_id = response.json()["id"]
    assert response.json()["state"] == "submitted"

    # Nobody can dispatch a need the community has not taken up.
    staff = api_client(c.staff)
    assert staff.api_post(f"/needs/{need_id}/triage", {"decision": "accept"}).json()["state"] == (
        "accepted"
    )

    dispatcher = api_client(d.dispatcher)
    start = at(d.monday, "00:00")
    body = dispatcher.api_post(
        "/dispatch/plan",
        {
            "scope": c.community.pk,
            "horizon_start": start.isoformat(),
            "horizon_end": (start + timedelta(days=7)).isoformat(),
        },
    ).json()
    [line] = [x for x in body["lines"] if x["need"] == need_id]
    assert line["reasons"] and line["reasons"][0]["code"] == "window"
    volunteer = next(u for u in (c.student, c.student2) if u.pk == line["volunteer"])
    offers = dispatcher.api_post(f"/dispatch/plan/{body['id']}/apply").json()
    assert any(o["need"] == need_id and o["state"] == "offered" for o in offers)
    assert Need.objects.get(pk=need_id).state == "dispatched"

    student = api_client(volunteer)
    mine = student.api_get("/me/offers").json()["items"]
    assert [o["need_title"] for o in mine if o["need"] == need_id] == ["帮我家老人读报、量血压"]
    assert student.api_post(f"/needs/{need_id}/accept").json()["state"] == "accepted"
    assert Need.objects.get(pk=need_id).state == "in_progress"

    # The resident cannot report it done or verify it; the student cannot verify their own work.
    assert_error(
        resident.api_post(f"/needs/{need_id}/complete", {"note": "好了"}), 403, "forbidden"
    )
    done = student.api_post(f"/needs/{need_id}/complete", {"note": "读了两份报纸，血压 128/80。"})
    assert done.json()["state"] == "claimed_done", done.content
    assert_error(
        student.api_post(f"/needs/{need_id}/verify", {"note": "我做完了"}), 403, "forbidden"
    )
    assert_error(
        staff.api_post(f"/needs/{need_id}/verify", {"note": " "}), 422, "evidence_required"
    )
    verified = staff.api_post(f"/needs/{need_id}/verify", {"note": "电话回访老人，确认学生到场。"})
    assert verified.json()["state"] == "verified"

    # The resident sees it verified, and says it is not solved after all.
    assert resident.api_get(f"/needs/{need_id}").json()["state"] == "verified"
    reopened = resident.api_post(f"/needs/{need_id}/reopen", {"note": "血压计没教会老人用。"})
    assert reopened.json()["state"] == "in_progress", reopened.content
    student.api_post(f"/needs/{need_id}/complete", {"note": "再去一次，教会了老人自己量。"})
    staff.api_post(f"/needs/{need_id}/verify", {"note": "上门看过，老人会用了。"})
    closed = staff.api_post(f"/needs/{need_id}/close", {"note": "办结"})
    assert closed.json()["state"] == "closed", closed.content

    assert _history(need_id) == [
        ("submitted", "居民甲"),
        ("accepted", c.staff.name),
        ("dispatched", d.dispatcher.name),
        ("in_progress", volunteer.name),
        ("claimed_done", volunteer.name),
        ("verified", c.staff.name),
        ("in_progress", "居民甲"),
        ("claimed_done", volunteer.name),
        ("verified", c.staff.name),
        ("closed", c.staff.name),
    ]


def test_a_bounty_posted_claimed_assigned_carried_out_and_closed(
    dsp: SimpleNamespace, dept_group: ProjectGroup, other_university: SimpleNamespace
) -> None:
    c = dsp.city
    staff = api_client(c.staff)
    posted = staff.api_post(
        "/needs",
        {
            "community": c.community.pk,
            "title": "老旧小区加装电梯意愿调查",
            "description": "入户调查居民意愿并形成报告。",
            "project_type": "survey",
            "service_field": "governance",
            "work_kind": "professional",
            "people_needed": 4,
            "is_bounty": True,
        },
    )
    assert posted.status_code == 201, posted.content
    need_id = posted.json()["id"]
    staff.api_post(f"/needs/{need_id}/triage", {"decision": "accept", "reason": "发布"})

    admin = api_client(c.university_admin)
    assert need_id in [b["id"] for b in admin.api_get("/bounties").json()["items"]]
    claimed = admin.api_post(f"/needs/{need_id}/claim", {"claimant": c.university.pk, "plan": PLAN})
    assert claimed.status_code == 201, claimed.content
    assert claimed.json()["kind"] == "bounty"
    # One claim per item at a time: a second university cannot take it.
    other = api_client(other_university.admin)
    second = {"claimant": other_university.university.pk, "plan": PLAN}
    assert_error(other.api_post(f"/needs/{need_id}/claim", second), 409, "bounty_taken")
    dept = api_client(c.department_admin)
    assigned = admin.api_post(f"/bounties/{need_id}/assign", {"group": dept_group.pk})
    assert assigned.json()["claim"]["assigned_group"]["id"] == dept_group.pk, assigned.content
    started = dept.api_post(f"/bounties/{need_id}/start")
    assert started.status_code == 200, started.content
    assert Need.objects.get(pk=need_id).state == "in_progress"

    done = dept.api_post(f"/needs/{need_id}/complete", {"note": "完成 120 户问卷，报告已交社区。"})
    assert done.json()["state"] == "claimed_done", done.content
    staff.api_post(f"/needs/{need_id}/verify", {"note": "收到调研报告，抽查 10 户属实。"})
    assert staff.api_post(f"/needs/{need_id}/close").json()["state"] == "closed"
    claim = BountyClaim.objects.get(need_id=need_id)
    assert claim.state == "done" and claim.assigned_group_id == dept_group.pk
    assert [s for s, _ in _history(need_id)] == [
        "submitted",
        "accepted",
        "claimed",
        "in_progress",
        "claimed_done",
        "verified",
        "closed",
    ]

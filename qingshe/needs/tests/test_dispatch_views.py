"""Dispatch pages: the dispatcher's plans (make, adjust, apply, a stale plan's 409), a volunteer's
offers (accept, decline with a reason, withdraw), open claims (抢单); outsiders, htmx partials,
bad input and bounded queries."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from qingshe.duty import services as duty
from qingshe.needs.models import DispatchPlan, Need, NeedAssignment
from qingshe.needs.services import dispatch as ds
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _plan(d: SimpleNamespace) -> DispatchPlan:
    start = at(d.monday, "00:00")
    return ds.dispatch_plan_create(
        actor=d.dispatcher,
        scope=d.city.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
    )


def _form(d: SimpleNamespace, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scope": d.city.community.pk,
        "horizon_start": f"{d.monday:%Y-%m-%d}T00:00",
        "horizon_end": f"{d.monday + timedelta(days=7):%Y-%m-%d}T00:00",
        **ds.default_weights(),
    }
    data.update(over)
    return data


def test_dispatcher_makes_a_plan_and_sees_reasons_and_causes(
    client: Any, dsp: SimpleNamespace
) -> None:
    d = dsp
    client.force_login(d.dispatcher)
    page = client.get(reverse("dispatch:new")).content.decode()
    assert "生成派单计划" in page and "评分权重" in page and "白沙社区" in page
    response = client.post(reverse("dispatch:new"), _form(d))
    plan = DispatchPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "dispatch:detail", args=[plan.pk]
    )
    html = client.get(response["Location"]).content.decode()
    assert "敬老院陪伴" in html and "学生甲" in html
    assert "共同空闲：周一" in html and "距离 1.1 公里" in html and "本月尚未服务，优先安排" in html
    assert "未能安排" in html and "1 人在该时段没空" in html and "执行并发出派单" in html


def test_bad_plan_form_shows_errors_and_writes_nothing(client: Any, dsp: SimpleNamespace) -> None:
    d = dsp
    client.force_login(d.dispatcher)
    response = client.post(
        reverse("dispatch:new"), _form(d, horizon_end=f"{d.monday:%Y-%m-%d}T00:00")
    )
    assert (
        response.status_code == 422
        and "计划时段的结束时间须晚于开始时间" in response.content.decode()
    )
    response = client.post(reverse("dispatch:new"), _form(d, skill="-1", scope=d.city.street.pk))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not DispatchPlan.objects.exists()


def test_plan_list_and_outsiders(
    client: Any, dsp: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    client.force_login(d.dispatcher)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("dispatch:list")).content.decode()
    assert f"计划 #{plan.pk} · 白沙社区" in html and "已安排 1 人" in html
    client.force_login(c.district_admin)
    assert f"计划 #{plan.pk}" in client.get(reverse("dispatch:list")).content.decode()
    # An outsider dispatcher (another community's league secretary) does not see it at all.
    from qingshe.accounts.tests.factories import UserFactory
    from qingshe.orgs.models import Role
    from qingshe.orgs.tests.factories import MembershipFactory

    other = UserFactory(name="列西社区团委书记")
    MembershipFactory(user=other, org=c.other_community, role=Role.COMMUNITY_SECRETARY)
    client.force_login(other)
    assert f"计划 #{plan.pk}" not in client.get(reverse("dispatch:list")).content.decode()
    for url in (reverse("dispatch:detail", args=[plan.pk]),):
        assert client.get(url).status_code == 404
    for url in (
        reverse("dispatch:apply", args=[plan.pk]),
        reverse("dispatch:discard", args=[plan.pk]),
    ):
        assert client.post(url).status_code == 404
    # Community staff (not the league secretary) and students cannot make plans.
    client.force_login(c.staff)
    assert client.get(reverse("dispatch:new")).status_code == 403
    client.force_login(c.student)
    assert client.get(reverse("dispatch:list"))["Location"] == reverse("dispatch:offers")
    assert client.get(reverse("dispatch:detail", args=[plan.pk])).status_code == 404
    assert DispatchPlan.objects.get().state == "proposed"


def test_adjust_and_apply_with_htmx(
    client: Any, dsp: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    line = plan.lines.get()
    client.force_login(d.dispatcher)
    with django_assert_max_num_queries(12):
        client.get(reverse("dispatch:detail", args=[plan.pk]))
    html = client.post(
        reverse("dispatch:line", args=[plan.pk, line.pk]), {"included": "0"}, **HX
    ).content.decode()
    assert "学生甲 已从计划中去掉" in html and "<html" not in html and "加回" in html
    html = client.post(
        reverse("dispatch:line", args=[plan.pk, line.pk]), {"included": "1"}, **HX
    ).content.decode()
    assert "学生甲 已重新加入计划" in html
    # Add by hand: 学生乙 at 14:00 is in class; at 15:40 the two hours run past the window.
    url = reverse("dispatch:line_add", args=[plan.pk])
    data = {
        "need": d.need.pk,
        "volunteer": c.student2.volunteer_no,
        "starts_at": f"{d.monday:%Y-%m-%d}T14:00",
    }
    html = client.post(url, data, **HX).content.decode()
    assert "学生乙 在" in html and "有课" in html
    html = client.post(url, {**data, "volunteer": "12345"}, **HX).content.decode()
    assert "本范围内没有使用该号码的学生志愿者" in html
    assert plan.lines.count() == 1
    response = client.post(reverse("dispatch:apply", args=[plan.pk]))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "计划已执行：已向志愿者发出 1 条派单" in html
    assert NeedAssignment.objects.filter(state="offered").count() == 1
    # Applied twice: 409 and the message.
    response = client.post(reverse("dispatch:apply", args=[plan.pk]))
    assert response.status_code == 409 and "这份计划已经执行过了" in response.content.decode()


def test_a_stale_plan_shows_the_409_message_and_writes_nothing(
    client: Any, dsp: SimpleNamespace
) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    line = plan.lines.get()
    activity = duty.activity_create(actor=c.staff, organiser=c.community, title="消防演练")
    shift = duty.shift_add(
        actor=c.staff, activity=activity, starts_at=line.starts_at, ends_at=line.ends_at, capacity=3
    )
    duty.shift_sign_up(actor=c.student, shift=shift)
    client.force_login(d.dispatcher)
    response = client.post(reverse("dispatch:apply", args=[plan.pk]))
    html = response.content.decode()
    assert response.status_code == 409
    assert (
        "计划已过时，未执行任何安排" in html
        and "学生甲 · 敬老院陪伴" in html
        and "已有其他安排" in html
    )
    assert not NeedAssignment.objects.exists()
    html = client.post(reverse("dispatch:apply", args=[plan.pk]), **HX).content.decode()
    assert "计划已过时" in html and "<html" not in html


def test_volunteer_accepts_on_the_offers_page(
    client: Any, dsp: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    d, c = dsp, dsp.city
    offer = ds.dispatch_plan_apply(actor=d.dispatcher, plan=_plan(d))[0]
    client.force_login(c.student)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("dispatch:offers")).content.decode()
    assert (
        "等待您答复" in html and "敬老院陪伴" in html and "为什么派给您" in html and "接单" in html
    )
    assert "共同空闲" in html and "白沙社区" in html
    response = client.post(reverse("dispatch:accept", args=[offer.pk]))
    assert response.status_code == 302
    html = client.get(reverse("dispatch:offers")).content.decode()
    assert "您已接单“敬老院陪伴”" in html and "已接单，待服务" in html and "我去不了了" in html
    assert Need.objects.get(pk=d.need.pk).state == "in_progress"


def test_volunteer_declines_with_a_reason(client: Any, dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offer = ds.dispatch_plan_apply(actor=d.dispatcher, plan=_plan(d))[0]
    client.force_login(c.student)
    url = reverse("dispatch:decline", args=[offer.pk])
    response = client.post(url, {f"a{offer.pk}-reason": ""})
    assert response.status_code == 422 and "请说明理由" in response.content.decode()
    html = client.post(url, {f"a{offer.pk}-reason": "那天要考试"}, **HX).content.decode()
    assert "您已拒绝“敬老院陪伴”" in html and "<html" not in html
    offer.refresh_from_db()
    assert offer.state == "declined" and offer.reason == "那天要考试"
    client.force_login(c.student2)
    assert client.post(reverse("dispatch:accept", args=[offer.pk])).status_code == 404


def test_offers_of_someone_else_are_404(client: Any, dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    offer = ds.dispatch_plan_apply(actor=d.dispatcher, plan=_plan(d))[0]
    for outsider in (c.student2, c.other_staff, d.dispatcher):
        client.force_login(outsider)
        assert client.post(reverse("dispatch:accept", args=[offer.pk])).status_code == 404
        assert client.post(reverse("dispatch:withdraw", args=[offer.pk])).status_code == 404
        assert "敬老院陪伴" not in client.get(reverse("dispatch:offers")).content.decode()
    assert NeedAssignment.objects.get().state == "offered"


def test_open_claims_page_and_grab(
    client: Any, dsp: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    d, c = dsp, dsp.city
    Need.objects.filter(pk=d.need.pk).update(open_claim=True)
    client.force_login(c.student)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("dispatch:claims")).content.decode()
    assert "可抢的需求" in html and "敬老院陪伴" in html and "抢单" in html
    response = client.post(reverse("dispatch:grab", args=[d.need.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:offers")
    html = client.get(reverse("dispatch:claims")).content.decode()
    assert "目前没有可抢的需求" in html
    # A resident is not a student volunteer: 403; a need that is not open to claim: 404.
    client.force_login(c.resident)
    other = dispatch_setup.make_need(d, title="助老送餐", open_claim=True)
    assert client.post(reverse("dispatch:grab", args=[other.pk])).status_code == 403
    Need.objects.filter(pk=other.pk).update(open_claim=False)
    client.force_login(c.student2)
    assert client.post(reverse("dispatch:grab", args=[other.pk])).status_code == 404


def test_pages_have_no_inline_script_or_style(client: Any, dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    client.force_login(d.dispatcher)
    pages = [
        reverse("dispatch:list"),
        reverse("dispatch:new"),
        reverse("dispatch:detail", args=[plan.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert " style=" not in html and "<script>" not in html, url
    client.force_login(c.student)
    for url in (reverse("dispatch:offers"), reverse("dispatch:claims")):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<script>" not in html, url


def test_home_panels(client: Any, dsp: SimpleNamespace) -> None:
    d, c = dsp, dsp.city
    plan = _plan(d)
    client.force_login(d.dispatcher)
    html = client.get(reverse("core:home")).content.decode()
    assert "待执行的派单计划" in html and f"#{plan.pk} · 白沙社区" in html
    ds.dispatch_plan_apply(actor=d.dispatcher, plan=plan)
    client.force_login(c.student)
    html = client.get(reverse("core:home")).content.decode()
    assert "等待我答复的派单" in html and "敬老院陪伴" in html and "待答复" in html
    client.force_login(c.student2)
    html = client.get(reverse("core:home")).content.decode()
    assert "暂无待答复的派单" in html and "敬老院陪伴" not in html
    client.force_login(c.resident)
    assert "等待我答复的派单" not in client.get(reverse("core:home")).content.decode()


def test_plan_state_filter_uses_the_words_of_the_cards(client: Any, dsp: SimpleNamespace) -> None:
    """The state filter offered 已提出 / 已申请 / Discarded (another app's words and an English one)
    while the cards said 待执行 / 已执行 / 已作废."""
    _plan(dsp)
    client.force_login(dsp.dispatcher)
    html = client.get(reverse("dispatch:list")).content.decode()
    for word in ("待执行", "已执行", "已作废"):
        assert f">{word}</option>" in html
    assert "Discarded" not in html and ">已申请</option>" not in html

"""In a browser: the dispatcher makes a plan, leaves a line out and puts it back, meets a stale
plan's message, applies; then the volunteer, on a phone, finds the offer on the home page,
tries to decline without a reason, and accepts. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from qingshe.duty import services as duty
from qingshe.duty.models import SignUp
from qingshe.needs.models import DispatchPlan, NeedAssignment
from qingshe.needs.tests import dispatch_setup

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_plan_view_then_offer_on_a_phone(
    transactional_db: Any,
    dsp: Any,
    live_server: Any,
    login_page: Any,
    browser: Any,
    screenshot_dir: Any,
) -> None:
    d, c = dsp, dsp.city

    # --- the dispatcher, on a desktop screen ----------------------------------------------
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk = context.new_page()
    desk.set_default_timeout(15_000)

    def shot(pg: Any, name: str) -> None:
        pg.screenshot(path=str(screenshot_dir / f"dispatch-{name}.png"), full_page=True)

    from qingshe.accounts.tests.factories import PASSWORD

    desk.goto(f"{live_server.url}/accounts/login/")
    desk.fill("input[name=username]", d.dispatcher.phone)
    desk.fill("input[name=password]", PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_load_state("networkidle")
    assert desk.get_by_text("待执行的派单计划").is_visible()
    desk.goto(f"{live_server.url}/dispatch/new/")
    desk.fill("input[name=horizon_start]", f"{d.monday:%Y-%m-%d}T00:00")
    desk.fill("input[name=horizon_end]", f"{d.monday + timedelta(days=7):%Y-%m-%d}T00:00")
    desk.get_by_text("评分权重").click()
    desk.fill("input[name=distance]", "0.5")
    shot(desk, "1-new")
    desk.get_by_role("button", name="生成计划").click()
    desk.wait_for_selector("text=计划已生成")
    plan = DispatchPlan.objects.get()
    assert plan.weights["distance"] == 0.5
    assert desk.get_by_text("共同空闲：周一").first.is_visible()
    assert desk.get_by_text("1 人在该时段没空").first.is_visible()
    shot(desk, "2-plan")
    desk.get_by_role("button", name="去掉").click()
    desk.wait_for_selector("text=学生甲 已从计划中去掉")
    assert desk.get_by_role("button", name="执行并发出派单").is_disabled()
    desk.get_by_role("button", name="加回").click()
    desk.wait_for_selector("text=学生甲 已重新加入计划")

    # Meanwhile 学生甲 signs up for another shift at the same time: the plan is stale.
    line = plan.lines.get()
    activity = duty.activity_create(actor=c.staff, organiser=c.community, title="消防演练")
    shift = duty.shift_add(
        actor=c.staff, activity=activity, starts_at=line.starts_at, ends_at=line.ends_at, capacity=3
    )
    signup = duty.shift_sign_up(actor=c.student, shift=shift)
    desk.get_by_role("button", name="执行并发出派单").click()
    desk.wait_for_selector("text=计划已过时，未执行任何安排")
    assert not NeedAssignment.objects.exists()
    shot(desk, "3-stale")
    duty.shift_cancel(actor=c.student, signup=signup)
    desk.get_by_role("button", name="执行并发出派单").click()
    desk.wait_for_selector("text=计划已执行")
    shot(desk, "4-applied")
    context.close()
    assert NeedAssignment.objects.get().state == "offered"

    # --- the volunteer, on a phone -------------------------------------------------------
    page = login_page(c.student.phone)
    page.get_by_text("等待我答复的派单").wait_for()
    _fits(page)
    shot(page, "5-phone-home")
    page.get_by_role("link", name="敬老院陪伴").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("为什么派给您").is_visible()
    _fits(page)
    shot(page, "6-phone-offer")
    page.get_by_text("拒绝……").click()
    page.get_by_role("button", name="拒绝这条派单").click()
    page.wait_for_selector("text=请说明理由")
    _fits(page)
    shot(page, "7-phone-decline-error")
    page.get_by_role("button", name="接单", exact=True).click()
    page.wait_for_selector("text=您已接单“敬老院陪伴”")
    _fits(page)
    shot(page, "8-phone-accepted")
    assert NeedAssignment.objects.get().state == "accepted"
    assert SignUp.objects.filter(
        user=c.student, state="confirmed", shift__activity__need=d.need
    ).exists()

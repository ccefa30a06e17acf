"""On a phone: the branch secretary files last month's work feedback form, the community
confirms it (the stamp); the community's weekly summary page. Screenshots in test-artifacts/."""

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import PASSWORD
from qingshe.core.timeutil import previous_month
from qingshe.council.models import FeedbackForm
from qingshe.council.tests.conftest import need_at
from qingshe.programmes import services as programme_services
from qingshe.programmes.models import Pairing

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def test_feedback_form_on_a_phone(
    transactional_db: Any, council: Any, browser: Any, live_server: Any, screenshot_dir: Any
) -> None:
    c = council
    programme = programme_services.programme_create(
        actor=c.league_admin,
        owner=c.city,
        name="大学生社区实践计划",
        year=2026,
        scope=[c.university, c.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    Pairing.objects.create(
        programme=programme,
        unit=c.branch,
        community=c.community,
        state=Pairing.State.ACTIVE,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 6, 30),
        started_at=timezone.now(),
    )
    need_at(c, "楼道堆物清理", address="5号楼")
    need_at(c, "楼道杂物太多", actor=c.resident2, address="5号楼")
    contexts = []

    def as_user(user: Any) -> Any:
        context = browser.new_context(
            locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 844}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    def shot(page: Any, name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, name
        page.screenshot(
            path=str(screenshot_dir / f"phone-council-feedback-{name}.png"), full_page=True
        )

    try:
        sec = as_user(c.secretary)
        sec.goto(f"{live_server.url}/council/feedback/")
        sec.get_by_role("link", name=f"{c.branch.name} ⇄ {c.community.name}").click()
        sec.fill("#f-act", "3")
        sec.fill("#f-ppl", "14")
        sec.fill("#f-hrs", "26.5")
        sec.fill("#f-sol", "帮助12位老人学会使用智能手机挂号。")
        sec.fill("#f-pla", "开展防诈骗宣传进楼栋。")
        shot(sec, "1-file")
        sec.get_by_role("button", name="提交社区").click()
        sec.wait_for_selector("text=反馈表已提交社区。")
        form = FeedbackForm.objects.get()
        assert (form.month.year, form.month.month) == previous_month(timezone.localdate())

        staff = as_user(c.staff)
        staff.goto(f"{live_server.url}/council/feedback/{form.pk}/")
        staff.get_by_role("button", name="确认（盖章）").click()
        staff.wait_for_selector(".state--confirmed")
        shot(staff, "2-confirmed")
        form.refresh_from_db()
        assert form.state == FeedbackForm.State.CONFIRMED

        staff.goto(f"{live_server.url}/council/c/{c.community.pk}/")
        staff.get_by_role("button", name="生成月清单").click()
        staff.goto(f"{live_server.url}/council/c/{c.community.pk}/")
        staff.wait_for_selector("text=5号楼")
        shot(staff, "3-summary")
    finally:
        for context in contexts:
            context.close()

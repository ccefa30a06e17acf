"""The programme's main flow in a real browser, phone-sized: a branch applies, the department
recommends, the university reviews, the committee confirms; the committee proposes and approves a
pairing and opens the compliance page. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from qingshe.programmes.models import BranchApplication, Pairing
from qingshe.programmes.tests.conftest import STATEMENT

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390


def _as(page: Any, login_page: Any, user: Any) -> Any:
    page.context.clear_cookies()
    return login_page(user.phone)


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_selection_pairing_and_compliance_on_a_phone(
    transactional_db: Any,
    city: Any,
    programme: Any,
    call: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
) -> None:
    url = live_server.url

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-programmes-{name}.png"), full_page=True)

    # 1. The branch secretary finds the call through the navigation and applies.
    page = login_page(city.secretary.phone)
    page.get_by_role("link", name="结对共建", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name=f"{programme.year} {programme.name}").click()
    page.wait_for_load_state("networkidle")
    _fits_the_phone(page)
    shot("1-programme")
    page.get_by_role("link", name=call.title).click()
    page.get_by_role("link", name="为本支部报名").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("优秀团支部").check()
    page.get_by_label("团支部书记获评优秀团干部").check()
    page.fill("textarea[name=statement]", "太短")
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("请用不少于20个字说明本支部参与的理由").first.is_visible()
    assert page.get_by_label("优秀团支部").is_checked()  # what was typed and ticked is kept
    _fits_the_phone(page)
    shot("2-apply-error")
    page.fill("textarea[name=statement]", STATEMENT)
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("报名已提交，等待院系团委推荐").is_visible()
    application = BranchApplication.objects.get()
    assert application.excellent_branch and application.excellent_cadre

    # 2. The department admin sees it on the home page and recommends it (htmx, in place).
    page = _as(page, login_page, city.department_admin)
    assert page.get_by_text("待我处理的报名").is_visible()
    page.get_by_role("link", name=f"{city.branch.display_name} · {call.title}").click()
    page.wait_for_load_state("networkidle")
    shot("3-application-department")
    page.get_by_role("button", name="推荐", exact=True).click()
    page.wait_for_selector("text=已办理：该报名现为“院系已推荐”")
    assert page.url.endswith(f"/programmes/applications/{application.pk}/")

    # 3. The university reviews it.
    page = _as(page, login_page, city.university_admin)
    page.goto(f"{url}/programmes/applications/inbox/")
    page.get_by_role("link", name=city.branch.display_name).click()
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_selector("text=已办理：该报名现为“学校已审核”")

    # 4. The committee confirms it; the history says who did what and when.
    page = _as(page, login_page, city.league_admin)
    page.goto(f"{url}/programmes/applications/{application.pk}/")
    page.get_by_role("button", name="确定入选").click()
    page.wait_for_selector("text=已办理：该报名现为“团委已确定”")
    for who in ("团支书", "系团委管理员", "校团委管理员", "市团委管理员"):
        assert page.get_by_text(who).first.is_visible()
    _fits_the_phone(page)
    shot("4-application-confirmed")
    application.refresh_from_db()
    assert application.state == BranchApplication.State.CONFIRMED

    # 5. The committee proposes a pairing and approves it.
    page.goto(f"{url}/programmes/{programme.pk}/")
    page.get_by_role("link", name="提出结对").click()
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=unit]", value=str(city.branch.pk))
    page.select_option("select[name=community]", value=str(city.community.pk))
    page.fill("input[name=term_start]", "2026-09-01")
    page.fill("input[name=term_end]", "2026-08-01")
    page.get_by_role("button", name="提交结对申请").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("结束日期早于开始日期").first.is_visible()
    assert page.input_value("select[name=community]") == str(city.community.pk)
    shot("5-propose-error")
    page.fill("input[name=term_end]", "2027-07-01")
    page.get_by_role("button", name="提交结对申请").click()
    page.wait_for_load_state("networkidle")
    pairing = Pairing.objects.get()
    assert page.url.endswith(f"/programmes/pairings/{pairing.pk}/")
    page.get_by_role("button", name="批准结对").click()
    page.wait_for_selector("text=已办理：该结对现为“已批准”")
    assert page.get_by_role("link", name="结对共建协议书（PDF）").is_visible()
    _fits_the_phone(page)
    shot("6-pairing-approved")
    pairing.refresh_from_db()
    assert pairing.state == Pairing.State.APPROVED

    # 6. The compliance page, and a drill-down to the department.
    page.goto(f"{url}/programmes/{programme.pk}/")
    page.get_by_role("link", name="达标情况").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="各院系指标完成情况").is_visible()
    assert page.get_by_text("✓ 达标").first.is_visible()
    _fits_the_phone(page)
    shot("7-compliance")
    page.get_by_role("link", name="经管系团委").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已参与（已结对）").is_visible()
    assert page.get_by_text("✗ 未参与").is_visible()
    shot("8-compliance-department")
    page.fill("#month", "2026-10")
    page.get_by_role("button", name="查看").click()
    page.wait_for_selector("text=2026-10 最少服务 2 次")
    # htmx pushes the month into the address bar after the swap: wait for it, not a fixed time.
    page.wait_for_url(re.compile(r"month=2026-10"))


def test_compliance_and_lists_on_a_desktop(
    transactional_db: Any,
    city: Any,
    programme: Any,
    call: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
) -> None:
    from datetime import date

    from qingshe.programmes import services

    for branch in (city.branch, city.branch2):
        services.application_submit(
            actor=city.department_admin, call=call, branch=branch, statement=STATEMENT
        )
    services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=city.branch,
        community=city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )
    page = login_page(city.league_admin.phone)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    assert page.get_by_text("待我确认或审批的结对").is_visible()
    page.screenshot(path=str(screenshot_dir / "desktop-programmes-home.png"), full_page=True)
    page.goto(f"{live_server.url}/programmes/applications/")
    page.select_option("#state-filter", value="submitted")
    page.wait_for_url("**state=submitted**")
    assert (
        page.get_by_role("cell", name="2024级会计学班团支部")
        .or_(page.get_by_role("rowheader", name="2024级会计学班团支部"))
        .is_visible()
    )
    page.screenshot(
        path=str(screenshot_dir / "desktop-programmes-applications.png"), full_page=True
    )
    page.goto(f"{live_server.url}/programmes/{programme.pk}/compliance/")
    page.screenshot(path=str(screenshot_dir / "desktop-programmes-compliance.png"), full_page=True)
    page.goto(f"{live_server.url}/programmes/new/")
    page.screenshot(path=str(screenshot_dir / "desktop-programmes-new.png"), full_page=True)

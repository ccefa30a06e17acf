"""The care pages in a real browser, phone-sized: the tutor logs a session, the supervisor is
asked for a reason before the child's details, confirms the session, and the hours are
credited. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from qingshe.credit.models import LedgerEntry

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_tutor_logs_supervisor_confirms_on_a_phone(
    transactional_db: Any,
    care: Any,
    live_server: Any,
    login_page: Any,
    browser: Any,
    screenshot_dir: Path,
) -> None:
    page = login_page(care.tutor.phone)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-care-{name}.png"), full_page=True)

    page.get_by_role("link", name="结对帮扶", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="林** · 外来务工人员子女 · 数学").first.click()
    page.wait_for_load_state("networkidle")
    day = timezone.localdate() - timedelta(days=1)
    page.fill("input[name=day]", day.isoformat())
    page.fill("input[name=start]", "15:00")
    page.fill("input[name=minutes]", "90")
    page.fill("textarea[name=done]", "讲解分数应用题，检查周末作业")
    page.fill("textarea[name=observations]", "状态良好，作业按时完成")
    page.get_by_role("button", name="提交走访记录").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("走访已登记，等待督导人确认。").is_visible()
    assert page.get_by_text("待督导确认").first.is_visible()
    _fits(page)
    shot("1-tutor-logged")

    page.context.clear_cookies()
    page = login_page(care.supervisor.phone)
    page.goto(f"{live_server.url}/care/")
    assert page.get_by_text("待您确认的走访").is_visible()
    _fits(page)
    shot("2-supervisor-home")
    page.goto(f"{live_server.url}/care/beneficiaries/{care.child.pk}/")
    assert page.get_by_label("查看详细信息的理由").is_visible()
    assert page.get_by_text("林小雨").count() == 0
    page.fill("input[name=reason]", "核实监护人联系方式")
    page.get_by_role("button", name="查看详细信息").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("林小雨").is_visible()
    _fits(page)
    shot("3-supervisor-details")
    page.goto(f"{live_server.url}/care/relationships/{care.relationship.pk}/")
    page.get_by_role("button", name="确认", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已确认：服务时长已记入志愿者名下。").is_visible()
    assert page.get_by_text("已记 1.5 小时").is_visible()
    _fits(page)
    shot("4-confirmed")
    assert LedgerEntry.objects.get(user=care.tutor).hours == 1.5


def test_league_admin_sees_only_counts_on_a_phone(
    transactional_db: Any,
    care: Any,
    live_server: Any,
    login_page: Any,
    browser: Any,
    screenshot_dir: Path,
) -> None:
    from qingshe.care import services
    from qingshe.care.tests.conftest import past

    visit = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=120,
        done="辅导作业",
    )
    services.visit_confirm(actor=care.supervisor, visit=visit)
    page = login_page(care.league_admin.phone)
    page.goto(f"{live_server.url}/care/")
    assert page.get_by_text("去标识化统计").is_visible()
    assert page.get_by_text("外来务工人员子女").is_visible()
    assert page.get_by_text("林**").count() == 0
    _fits(page)
    page.screenshot(path=str(screenshot_dir / "phone-care-5-league-counts.png"), full_page=True)
    response = page.goto(f"{live_server.url}/care/beneficiaries/{care.child.pk}/")
    assert response is not None and response.status == 404


def test_tutors_record_names_a_visit_without_a_dead_link(
    transactional_db: Any, care: Any, live_server: Any, login_page: Any, screenshot_dir: Path
) -> None:
    """A confirmed visit is a shift of a draft duty activity, which no page shows: the volunteer
    record named it with a link to that shift, a 404 (seen on the demo)."""
    from qingshe.care import services
    from qingshe.care.tests.conftest import past

    visit = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=90,
        done="辅导作业",
    )
    services.visit_confirm(actor=care.supervisor, visit=visit)
    attendance_id = LedgerEntry.objects.get(user=care.tutor).attendance_id
    page = login_page(care.tutor.phone)
    page.goto(f"{live_server.url}/credit/hours/")
    assert page.get_by_text(f"考勤 #{attendance_id}").is_visible()
    assert page.locator("a[href*='/duty/shifts/']").count() == 0
    _fits(page)
    page.screenshot(path=str(screenshot_dir / "phone-care-6-tutor-record.png"), full_page=True)

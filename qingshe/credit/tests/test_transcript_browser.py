"""The programme's transcript counting rules in a real browser, phone-sized: the student sees
their transcript; the district committee's admin changes the programme's rules (a bad cap is
refused at its field first); the student's transcript then counts 三下乡 as volunteer service,
capped, and says which programme's rules applied. Screenshots: test-artifacts/phone-transcript-*.png."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from qingshe.duty.models import Activity, DutyMode
from qingshe.programmes import services as programmes

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390


def _fits_the_phone(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _module_badge(pg: Any, key: str) -> str:
    return pg.locator(f"#m-{key} .badge").inner_text()


def test_rules_set_on_the_programme_page_change_the_student_s_transcript(
    transactional_db: Any,
    city: Any,
    serve: Any,
    student_profile: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
) -> None:
    programme = programmes.programme_create(
        actor=city.district_admin,
        owner=city.district,
        name="东湖区青年志愿行动",
        year=2026,
        scope=[city.university, city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    for attendance in (
        serve(city.student, days_ago=3, minutes=120),
        serve(city.student, days_ago=2, minutes=480, mode=DutyMode.CONCENTRATED, hour=8),
    ):
        Activity.objects.filter(pk=attendance.shift.activity_id).update(programme=programme)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-transcript-{name}.png"), full_page=True)

    # 1. The student's transcript under the default rules: 三下乡 is social practice.
    page = login_page(city.student.phone)
    base = live_server.url
    page.goto(f"{base}/credit/transcript/")
    assert _module_badge(page, "volunteer") == "2.0 小时"
    assert _module_badge(page, "social_practice") == "8.0 小时"
    _fits_the_phone(page)
    shot("1-default")

    # 2. The district's admin opens the programme and its rules.
    page.context.clear_cookies()
    page = login_page(city.district_admin.phone)
    page.goto(f"{base}/programmes/{programme.pk}/")
    assert page.get_by_text("集中报到（假期）：社会实践").is_visible()
    page.get_by_role("link", name="修改规则").click()
    page.wait_for_load_state("networkidle")
    _fits_the_phone(page)
    shot("2-rules-form")
    page.get_by_label("集中报到（假期）").select_option("volunteer")
    page.get_by_label("志愿服务最多计入小时数").fill("-6")
    page.get_by_role("button", name="保存规则").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("志愿服务计入时长上限须为大于0且不超过10000的小时数").is_visible()
    _fits_the_phone(page)
    shot("3-rules-error")
    programme.refresh_from_db()
    assert programme.transcript_rules["duty_modes"]["concentrated"] == "social_practice"
    page.get_by_label("志愿服务最多计入小时数").fill("6")
    page.get_by_role("button", name="保存规则").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("成绩单计分规则已保存。").is_visible()
    assert page.get_by_text("集中报到（假期）：志愿服务").is_visible()
    shot("4-programme")

    # 3. The student's transcript now counts 三下乡 as volunteer service, at most 6 h.
    page.context.clear_cookies()
    page = login_page(city.student.phone)
    page.goto(f"{base}/credit/transcript/")
    assert _module_badge(page, "volunteer") == "6.0 小时"
    assert _module_badge(page, "social_practice") == "0.0 小时"
    # An empty module says so in words, without a red "0" count beside its title.
    assert page.locator("#m-social_practice .count").count() == 0
    assert page.locator("#m-volunteer .count").count() == 1
    assert page.get_by_text("共记录10.0小时，按计划规定的上限计入。").is_visible()
    assert page.get_by_text("2026 东湖区青年志愿行动对其活动记录的计分规则").is_visible()
    _fits_the_phone(page)
    shot("5-counted")

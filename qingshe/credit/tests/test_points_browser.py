"""Points, rewards, venues and crowdfunding in a real browser, phone-sized. A student's confirmed
hours become points (through the hours ledger's task, as in production), they redeem a partner's
reward and get a QR code; the partner opens the code's page (as after scanning it) and hands the
reward over. Community staff book a venue slot and are refused an overlapping one. A student
pledges to a campaign, after a refused zero pledge. Screenshots: test-artifacts/phone-points-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import PASSWORD, UserFactory
from qingshe.credit import services_circle, services_venues
from qingshe.credit.models import Pledge, Redemption, VenueBooking
from qingshe.duty import services as duty
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Membership, Role

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits_the_phone(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _login(page: Any, url: str, user: Any) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", user.phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_hours_to_points_to_a_handed_over_reward_on_a_phone(
    transactional_db: Any,
    city: Any,
    rules: Any,
    serve: Any,
    partner: Any,
    reward: Any,
    page: Any,
    live_server: Any,
    screenshot_dir: Any,
) -> None:
    serve(city.student, days_ago=3, minutes=120)  # 20 points, paid by the ledger's task on commit
    serve(city.student, days_ago=2, minutes=90, title="社区图书角整理")  # 15 points
    url = live_server.url

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-points-{name}.png"), full_page=True)

    _login(page, url, city.student)
    page.get_by_role("link", name="积分", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".balance__n").inner_text() == "35"
    assert page.get_by_text("敬老院陪伴：2.0 小时 × 10 分").count() == 1
    assert page.get_by_text("社区图书角整理：1.5 小时 × 10 分").count() == 1
    _fits_the_phone(page)
    shot("my-points")

    page.get_by_role("link", name="积分兑换", exact=True).click()
    page.wait_for_load_state("networkidle")
    card = page.locator(".reward-card", has_text="图书兑换券")
    assert card.locator(".reward-card__price").inner_text() == "20 积分"
    _fits_the_phone(page)
    shot("shop")
    card.get_by_role("button", name="兑换").click()
    page.wait_for_load_state("networkidle")
    redemption = Redemption.objects.get(user=city.student)
    assert page.locator(".code").inner_text() == redemption.code
    assert page.locator(".qr__svg").is_visible()
    assert page.get_by_text("兑换成功。请向书香书店出示兑换码。").is_visible()
    _fits_the_phone(page)
    shot("code")

    # The partner scans the code: the same page, with the button to hand it over.
    _login(page, url, partner.contact)
    page.goto(f"{url}/credit/redemptions/{redemption.code}/")
    assert page.get_by_text("学生甲").count() >= 1
    # The cancel form's reason: its label for screen readers only, the field a tappable one.
    label = page.locator("label[for=cancel-reason]").bounding_box()
    assert label is not None and label["width"] <= 1
    box = page.locator("#cancel-reason").bounding_box()
    assert box is not None and box["height"] >= 40
    shot("partner-sees-code")
    page.get_by_role("button", name="交付礼品").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".state").first.inner_text() == "已领取"
    assert page.get_by_text("已交付，兑换码已使用。").is_visible()
    _fits_the_phone(page)
    shot("handed-over")
    redemption.refresh_from_db()
    assert redemption.state == Redemption.State.HANDED_OVER

    _login(page, url, city.student)
    page.goto(f"{url}/credit/points/")
    assert page.locator(".balance__n").inner_text() == "15"
    assert page.get_by_text("兑换：图书兑换券").count() == 1


def test_booking_a_venue_on_a_phone(
    transactional_db: Any, city: Any, page: Any, live_server: Any, screenshot_dir: Any
) -> None:
    venue = services_venues.venue_create(
        actor=city.staff,
        owner=city.community,
        kind="council_hall",
        name="白沙居民议事厅",
        capacity=30,
        opening_hours=[{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)]
        + [{"weekday": d, "start": "14:00", "end": "18:00"} for d in range(7)],
    )
    duty.activity_create(
        actor=city.staff, organiser=city.community, title="居民议事会", requires_insurance=False
    )
    day = timezone.localdate() + timedelta(days=2)
    url = live_server.url
    _login(page, url, city.staff)
    page.get_by_role("link", name="阵地", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="白沙居民议事厅").click()
    page.wait_for_load_state("networkidle")

    def book(start: str, end: str, purpose: str) -> None:
        page.fill("input[name=day]", day.isoformat())
        page.fill("input[name=start]", start)
        page.fill("input[name=end]", end)
        page.fill("input[name=purpose]", purpose)
        page.fill("input[name=people]", "20")
        page.get_by_role("button", name="预约", exact=True).click()
        page.wait_for_load_state("networkidle")

    book("09:30", "11:00", "加装电梯意见征集")
    assert page.get_by_text("预约成功。").is_visible()
    assert (
        page.locator(".slot", has_text="加装电梯意见征集").locator(".slot__time").inner_text()
        == "09:30–11:00"
    )
    _fits_the_phone(page)
    page.screenshot(path=str(screenshot_dir / "phone-points-venue-week.png"), full_page=True)
    book("10:30", "12:00", "插队")
    assert page.get_by_text(f"该阵地 {day.isoformat()} 09:30 至 11:00 已被预约。").is_visible()
    page.screenshot(path=str(screenshot_dir / "phone-points-venue-overlap.png"), full_page=True)
    assert VenueBooking.objects.filter(venue=venue).count() == 1


def test_pledging_to_a_campaign_on_a_phone(
    transactional_db: Any, city: Any, page: Any, live_server: Any, screenshot_dir: Any
) -> None:
    instructor = UserFactory(name="指导老师")
    Membership.objects.create(user=instructor, org=city.department, role=Role.INSTRUCTOR)
    group = ProjectGroup.objects.create(
        owner=city.branch,
        name="社区图书角",
        goal="让孩子们放学后有书读",
        project_type="after_school",
        service_field="poverty_education",
        instructor=instructor,
    )
    campaign = services_circle.campaign_open(
        actor=city.secretary,
        group=group,
        title="为图书角募集童书",
        description="购买 200 本童书和两个书架。",
        goal="3000",
        deadline=timezone.localdate() + timedelta(days=20),
        in_kind_wanted="童书、书架",
    )
    services_circle.pledge_make(actor=city.staff, campaign=campaign, kind="money", amount="600")
    url = live_server.url
    _login(page, url, city.student)
    page.goto(f"{url}/credit/campaigns/")
    page.get_by_role("link", name="为图书角募集童书").click()
    page.wait_for_load_state("networkidle")
    page.fill("input[name=amount]", "0")
    page.get_by_role("button", name="认捐", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("金额必须大于零。").is_visible()
    assert Pledge.objects.count() == 1
    page.fill("input[name=amount]", "150")
    page.get_by_role("button", name="认捐", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("谢谢！您的认捐已登记。").is_visible()
    assert page.get_by_text("已认捐 750 / 3000 元").count() == 1
    _fits_the_phone(page)
    page.screenshot(path=str(screenshot_dir / "phone-points-campaign.png"), full_page=True)


def test_partner_page_and_the_leagues_pages_on_a_phone(
    transactional_db: Any,
    city: Any,
    rules: Any,
    serve: Any,
    partner: Any,
    reward: Any,
    page: Any,
    live_server: Any,
    screenshot_dir: Any,
) -> None:
    serve(city.student, days_ago=3, minutes=120)
    url = live_server.url

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-points-{name}.png"), full_page=True)

    # The partner's contact puts up a reward: a price of 0 is refused, then 15 points.
    _login(page, url, partner.contact)
    page.get_by_role("link", name="公益伙伴圈", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="书香书店").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("资源成效").is_visible()
    page.fill("input[name=title]", "亲子阅读活动名额")
    page.select_option("select[name=kind]", "ticket")
    page.fill("input[name=price]", "0")
    page.fill("input[name=stock]", "10")
    page.get_by_role("button", name="上架", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("所需积分为 1 至 100000 的整数。").is_visible()
    page.fill("input[name=price]", "15")
    page.get_by_role("button", name="上架", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("礼品已上架：亲子阅读活动名额").is_visible()
    _fits_the_phone(page)
    shot("partner")

    # The league admin sees the earning rules and commends from the ranking.
    _login(page, url, city.league_admin)
    page.goto(f"{url}/credit/points/rules/")
    assert page.get_by_text("志愿服务时长积分").count() >= 1
    _fits_the_phone(page)
    shot("rules")
    page.goto(f"{url}/credit/commendations/")
    page.get_by_role("button", name="查看排名").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("学生甲").check()
    page.get_by_role("button", name="将勾选的授予“优秀青年志愿者”").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已表彰 1 个。").is_visible()
    assert page.locator(".rank-row", has_text="学生甲").get_by_text("已表彰").is_visible()
    _fits_the_phone(page)
    shot("commendations")

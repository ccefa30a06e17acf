"""Typical cases in a real browser, phone-sized: a department admin writes a case (the character
count follows the text), is refused four photos, submits five; the league committee features it;
anyone opens the public page of featured cases. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qingshe.reports.models import TypicalCase
from qingshe.reports.tests.conftest import TEXT, photo_bytes

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_submit_feature_and_the_public_page_on_a_phone(
    transactional_db: Any,
    city: Any,
    programme: Any,
    media_root: Path,
    tmp_path: Path,
    live_server: Any,
    login_page: Any,
    browser: Any,
    screenshot_dir: Path,
) -> None:
    files = []
    for i in range(1, 6):
        path = tmp_path / f"活动照片{i}.jpg"
        path.write_bytes(photo_bytes(i))
        files.append(str(path))

    page = login_page(city.department_admin.phone)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-cases-{name}.png"), full_page=True)

    # 1. Through the navigation to the form.
    page.get_by_role("link", name="典型案例", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="报送案例").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已写 0 字（至少 1000 字）").is_visible()
    page.fill("input[name=title]", "“四点半课堂”里的大学生老师")
    # 2. The count follows the text, computed on the server.
    page.fill("textarea[name=text]", "社区" * 499 + "行")
    page.get_by_text("已写 999 字（至少 1000 字）").wait_for()
    assert page.get_by_text("还差 1 字").is_visible()
    _fits_the_phone(page)
    shot("1-count-short")
    page.fill("textarea[name=text]", TEXT)
    page.get_by_text("已写 1020 字（至少 1000 字）").wait_for()
    # 3. Four photos are refused with a clear message; the text stays.
    page.set_input_files("input[name=photos]", files[:4])
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("典型案例至少需要 5 张照片，当前只有 4 张。").is_visible()
    assert page.input_value("textarea[name=text]") == TEXT
    assert not TypicalCase.objects.exists()
    _fits_the_phone(page)
    shot("2-four-photos")
    # 4. Five photos: submitted, the case page shows the thumbnails.
    page.set_input_files("input[name=photos]", files)
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("典型案例已提交，等待团委审核。").is_visible()
    case = TypicalCase.objects.get()
    thumbs = page.locator(".case-photos img")
    assert thumbs.count() == 5
    assert all(
        thumbs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(5)
    )
    _fits_the_phone(page)
    shot("3-submitted")

    # 5. The league committee features it from its inbox.
    page.context.clear_cookies()
    page = login_page(city.league_admin.phone)
    page.goto(f"{live_server.url}/cases/review/")
    page.get_by_role("link", name="“四点半课堂”里的大学生老师").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="列为精选并公开展示").click()
    page.get_by_text("已完成：案例现为“精选展示”。").wait_for()
    shot("4-featured")
    case.refresh_from_db()
    assert case.state == TypicalCase.State.FEATURED

    # 6. Anyone, without logging in, reads it on a phone.
    context = browser.new_context(locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 844})
    public = context.new_page()
    public.goto(f"{live_server.url}/cases/featured/")
    public.wait_for_load_state("networkidle")
    assert public.get_by_role("heading", name="精选典型案例").is_visible()
    card = public.locator(".featured-card").first
    assert card.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    _fits_the_phone(public)
    public.screenshot(
        path=str(screenshot_dir / "phone-cases-5-featured-public.png"), full_page=True
    )
    public.get_by_role("link", name="“四点半课堂”里的大学生老师").click()
    public.wait_for_load_state("networkidle")
    assert public.get_by_text(city.department.name).first.is_visible()
    assert (
        city.department_admin.name not in public.content()
        and city.league_admin.name not in public.content()
    )
    _fits_the_phone(public)
    public.screenshot(path=str(screenshot_dir / "phone-cases-6-featured-case.png"), full_page=True)
    context.close()

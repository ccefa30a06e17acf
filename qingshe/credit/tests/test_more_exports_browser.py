"""The venues list in a real browser, phone-sized: a student picks a kind in the filter (the list
is swapped in by htmx), clicks 导出 Excel and downloads exactly the venues the filtered page shows.
Screenshot: test-artifacts/phone-export-venues.png."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook

from qingshe.credit import services_venues

pytestmark = pytest.mark.browser

HOURS = [{"weekday": d, "start": "08:00", "end": "21:00"} for d in range(7)]


def test_venues_export_button_downloads_the_filtered_list(
    transactional_db: Any,
    city: Any,
    partner: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
    tmp_path: Any,
) -> None:
    for actor, owner, kind, name in (
        (partner.contact, partner.org, "reading", "书香阅读区"),
        (city.staff, city.community, "gym", "白沙社区健身房"),
        (city.staff, city.community, "gym", "=白沙二号健身房"),
        (partner.other_contact, partner.other_org, "gym", "沙县健身房"),
    ):
        services_venues.venue_create(
            actor=actor, owner=owner, kind=kind, name=name, capacity=20, opening_hours=HOURS
        )
    page = login_page(city.student.phone)
    page.goto(f"{live_server.url}/credit/venues/")
    page.select_option("#v-kind", "gym")
    page.wait_for_url("**/credit/venues/?kind=gym*")
    page.wait_for_load_state("networkidle")
    results = page.locator("#results")
    assert "书香阅读区" not in results.inner_text()
    button = page.get_by_role("link", name="导出 Excel")
    assert "kind=gym" in (button.get_attribute("href") or "")
    button.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "phone-export-venues.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename.endswith(".xlsx")
    target = tmp_path / "venues.xlsx"
    info.value.save_as(target)
    rows = [[c.value for c in r] for r in load_workbook(target).active.iter_rows()]
    assert rows[0][:2] == ["名称", "类型"]
    # the gyms of the student's city, as the filtered page lists them; a name that looks like a
    # formula stays text; not the reading corner, not another city's gym
    assert sorted(r[0] for r in rows[1:]) == sorted(["白沙社区健身房", "'=白沙二号健身房"])
    assert {r[1] for r in rows[1:]} == {"健身房"}

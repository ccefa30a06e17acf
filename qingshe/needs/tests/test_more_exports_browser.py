"""On a phone: the project group list, filtered by type through its form, then "导出 Excel"
downloads the groups the filtered page shows, nothing else. Screenshot in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser


def test_export_button_of_the_filtered_group_list(
    transactional_db: Any,
    city: Any,
    group: Any,
    dept_group: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
    tmp_path: Any,
) -> None:
    page = login_page(city.department_admin.phone)
    page.goto(f"{live_server.url}/projects/")
    assert page.get_by_text("社区宣传项目组").is_visible()
    page.select_option("#type-filter", "survey")  # htmx swaps the results, the URL follows
    page.wait_for_url("**project_type=survey**")
    page.get_by_text("社区宣传项目组").wait_for(state="detached")
    button = page.get_by_role("link", name="导出 Excel")
    assert button.is_visible() and "project_type=survey" in (button.get_attribute("href") or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-project-groups-export.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    download.save_as(tmp_path / "groups.xlsx")
    rows = [
        [c.value for c in r] for r in load_workbook(tmp_path / "groups.xlsx").active.iter_rows()
    ]
    assert rows[0][0] == "名称"
    assert [r[0] for r in rows[1:]] == [dept_group.name]  # the filtered page's one group

"""Exports in a real browser: the "导出 Excel" button of the needs board downloads the rows the
board shows; a large list goes through the background job page to its download."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook

from qingshe.core.exports import services as exports
from qingshe.needs.services import need_submit

pytestmark = pytest.mark.browser
BASE = {"project_type": "governance", "service_field": "technology"}


def test_export_button_downloads_the_filtered_board(
    transactional_db: Any,
    city: Any,
    live_server: Any,
    login_page: Any,
    screenshot_dir: Any,
    monkeypatch: Any,
    tmp_path: Any,
) -> None:
    for title in ("帮老人学用智能手机", "楼道清理", "=1+2"):
        need_submit(actor=city.resident, community=city.community, title=title, **BASE)
    need_submit(
        actor=city.other_resident, community=city.other_community, title="列西的需求", **BASE
    )
    page = login_page(city.staff.phone)
    page.goto(f"{live_server.url}/needs/?state=all&q=楼道")
    button = page.get_by_role("link", name="导出 Excel")
    assert button.is_visible()
    page.screenshot(path=str(screenshot_dir / "phone-export-button.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    target = tmp_path / "board.xlsx"
    info.value.save_as(target)
    assert info.value.suggested_filename.endswith(".xlsx")
    rows = [[c.value for c in r] for r in load_workbook(target).active.iter_rows()]
    assert [r[1] for r in rows[1:]] == ["楼道清理"]  # the filter of the page, nothing else

    # A large list (limit lowered): the job page, then the file.
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    page.goto(f"{live_server.url}/needs/?state=all")
    page.get_by_role("link", name="导出 Excel").click()
    page.wait_for_load_state("networkidle")
    assert "/exports/" in page.url
    link = page.get_by_role("link", name="下载 Excel 文件")
    link.wait_for()
    page.screenshot(path=str(screenshot_dir / "phone-export-job.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    info.value.save_as(tmp_path / "all.xlsx")
    ws = load_workbook(tmp_path / "all.xlsx").active
    titles = sorted(str(r[1].value) for r in ws.iter_rows(min_row=2))
    assert titles == sorted(["帮老人学用智能手机", "楼道清理", "'=1+2"])
    assert ws.cell(row=1, column=2).value == "标题"

"""The import in a real browser, phone-sized: the league admin finds the page in the navigation,
uploads a roster with three bad rows (valid rows only), watches the job page poll while the job
waits for the worker and runs, then reads the result, the error table and downloads the error
file. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from qingshe.accounts.models import StudentProfile
from qingshe.imports import services
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, workbook_bytes

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390


def _fits(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_upload_progress_and_result_on_a_phone(
    transactional_db: Any,
    city: SimpleNamespace,
    page: Any,
    login_page: Any,
    live_server: Any,
    screenshot_dir: Path,
    tmp_path: Path,
) -> None:
    students = rows(300)
    students[4][1] = "1380013"  # mobile
    students[120][2] = students[120][2][:-1] + ("1" if students[120][2][-1] != "1" else "2")
    students[250][4] = "不存在系团委"
    roster = tmp_path / "2024级新生名册.xlsx"
    roster.write_bytes(workbook_bytes(students=students))

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"phone-imports-{name}.png"), full_page=True)

    # A queue instead of the immediate backend: the job waits for the worker, as in production.
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        login_page(city.league_admin.phone)
        page.get_by_role("link", name="导入名册", exact=True).click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_role("heading", name="导入名册").is_visible()
        assert page.get_by_role("link", name="下载模板（.xlsx）").is_visible()
        _fits(page)
        shot("upload")

        page.set_input_files("input[name=file]", str(roster))
        page.check("input[name=valid_only]")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/imports/*/")
        job = ImportJob.objects.get()
        assert page.locator("[data-state=queued]").inner_text() == "排队中"
        assert page.locator("progress").count() == 1
        assert "等待后台任务处理" in page.locator("#status").inner_text()
        _fits(page)
        shot("queued")

        # The worker picks the job up; the page, polling every second, shows the outcome.
        services.import_run(job_id=job.pk)
        page.wait_for_selector("[data-state=done]", timeout=10_000)
        status = page.locator("#status").inner_text()
        assert "已导入 297 名学生，新建 0 个组织。" in status and "有 3 行因错误未导入" in status
        rows_shown = page.locator("#status table tbody tr")
        assert rows_shown.count() == 3
        assert (
            "第 6 行" in rows_shown.nth(0).inner_text()
            and "不是有效的大陆手机号" in rows_shown.nth(0).inner_text()
        )
        assert "********" in rows_shown.nth(1).inner_text() and students[120][2] not in status
        assert (
            "院系" in rows_shown.nth(2).inner_text()
            and "不存在系团委" in rows_shown.nth(2).inner_text()
        )
        assert page.locator("progress").count() == 0
        _fits(page)
        shot("done")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="下载有错误的行（.xlsx）").click()
        download = download_info.value
        assert download.suggested_filename == "2024级新生名册-错误.xlsx"
    assert StudentProfile.objects.count() == 297

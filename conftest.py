"""Project-wide pytest set-up: the small test city, the browser, and CI's rules on skips.

Under CI=true a browser or PostgreSQL test that is skipped fails the run: those are the tests CI
exists to run. PostgreSQL-only tests are deselected (not skipped) when the database is SQLite;
.ci/run runs the suite a second time on PostgreSQL, where they run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
_must_run_but_skipped: list[str] = []


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _on_postgres():
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and ("browser" in report.keywords or "postgres" in report.keywords):
        _must_run_but_skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() == "true" and _must_run_but_skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if os.environ.get("CI", "").lower() == "true" and _must_run_but_skipped:
        terminalreporter.write_sep("=", "CI=true: browser/PostgreSQL tests were skipped", red=True)
        for nodeid in _must_run_but_skipped:
            terminalreporter.write_line(f"SKIPPED BUT REQUIRED: {nodeid}")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts and ends in the project's default language (zh-hans), whatever a
    previous test activated in this thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- the small test city ------------------------------------------------------------------------
@pytest.fixture
def city(db: Any) -> SimpleNamespace:
    """Two districts with a street and communities each, one university with two branches, and
    one person per role. Everything is built through the services."""
    from qingshe.accounts.tests.factories import UserFactory
    from qingshe.orgs.models import OrgKind, Role
    from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

    o = OrganisationFactory
    c = SimpleNamespace()
    c.city = o(kind=OrgKind.CITY_COMMITTEE, name="共青团青州市委员会", short_name="团市委")
    c.district = o(
        kind=OrgKind.DISTRICT_COMMITTEE,
        name="共青团东湖区委员会",
        short_name="东湖团区委",
        parent=c.city,
    )
    c.other_district = o(
        kind=OrgKind.DISTRICT_COMMITTEE,
        name="共青团西山区委员会",
        short_name="西山团区委",
        parent=c.city,
    )
    c.street = o(kind=OrgKind.STREET, name="白沙街道", parent=c.district)
    c.community = o(
        kind=OrgKind.COMMUNITY, name="白沙社区", parent=c.street, lat=26.2654, lng=117.6389
    )
    c.community2 = o(kind=OrgKind.COMMUNITY, name="富华社区", parent=c.street)
    c.other_street = o(kind=OrgKind.STREET, name="列西街道", parent=c.other_district)
    c.other_community = o(kind=OrgKind.COMMUNITY, name="列西社区", parent=c.other_street)
    c.university = o(
        kind=OrgKind.UNIVERSITY_COMMITTEE,
        name="共青团青州学院委员会",
        short_name="青州学院团委",
        parent=c.city,
    )
    c.department = o(
        kind=OrgKind.DEPARTMENT_COMMITTEE,
        name="共青团青州学院经济管理系委员会",
        short_name="经管系团委",
        parent=c.university,
    )
    c.branch = o(kind=OrgKind.CLASS_BRANCH, name="2024级旅游管理班团支部", parent=c.department)
    c.branch2 = o(kind=OrgKind.CLASS_BRANCH, name="2024级会计学班团支部", parent=c.department)

    def person(name: str, org: Any, role: str, **kw: Any) -> Any:
        user = UserFactory(name=name, **kw)
        MembershipFactory(user=user, org=org, role=role)
        return user

    c.league_admin = person("市团委管理员", c.city, Role.LEAGUE_ADMIN)
    c.district_admin = person("区团委管理员", c.district, Role.LEAGUE_ADMIN)
    c.university_admin = person("校团委管理员", c.university, Role.UNIVERSITY_ADMIN)
    c.department_admin = person("系团委管理员", c.department, Role.DEPARTMENT_ADMIN)
    c.secretary = person("团支书", c.branch, Role.BRANCH_SECRETARY)
    c.student = person("学生甲", c.branch, Role.STUDENT)
    c.student2 = person("学生乙", c.branch2, Role.STUDENT)
    c.staff = person("社区工作者", c.community, Role.COMMUNITY_STAFF)
    c.other_staff = person("列西社区工作者", c.other_community, Role.COMMUNITY_STAFF)
    c.resident = person("居民甲", c.community, Role.RESIDENT)
    c.other_resident = person("列西居民", c.other_community, Role.RESIDENT)
    return c


# --- the browser --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Debian's chromium is not on the PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def login_page(page: Any, live_server: Any) -> Any:
    """Return a function that logs `identifier` in through the real login form."""
    from qingshe.accounts.tests.factories import PASSWORD

    def _login(identifier: str, password: str = PASSWORD) -> Any:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", identifier)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return _login

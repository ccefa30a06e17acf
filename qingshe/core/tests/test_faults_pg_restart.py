"""PostgreSQL restarted while the app runs: during the outage requests fail cleanly (503, in
Chinese, the API's error body, no traceback), and after it they succeed again without restarting
the app.

The shared PostgreSQL at 127.0.0.1:5432 is never touched: the test starts a private cluster
(initdb + pg_ctl as the `postgres` user, a free port, a temporary directory), copies the test
database into it (pg_dump | psql: schema, and the person, session and API token made here), and
runs the app in gunicorn against it with the settings' CONN_MAX_AGE and CONN_HEALTH_CHECKS. Then
`pg_ctl stop -m fast`, requests, `pg_ctl start`, requests.

Marked `postgres` (CI's second pass, where the test database to copy is PostgreSQL); without the
PostgreSQL server binaries it is skipped, which CI=true turns into a failure. The first two tests
check the same answers in this process, on any database.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from qingshe.accounts.services import token_issue
from qingshe.core.tests.faults import ROOT

# --- in this process: what a failing database looks like --------------------------------------


def _database_down(*args: Any, **kwargs: Any) -> Any:
    if connection.vendor == "sqlite":
        raise OperationalError("database is locked")
    raise OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )


def _query_mistake(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("no such column: accounts_user.nope")


def test_a_page_while_the_database_is_down_is_a_clean_503(
    city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(city.student)
    from qingshe.accounts import views

    monkeypatch.setattr(views, "render_page", _database_down)
    response = client.get("/me/")
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "服务暂时不可用" in body and "数据库没有响应" in body
    assert "Traceback" not in body and "OperationalError" not in body and "5432" not in body


def test_the_api_while_the_database_is_down_answers_503_in_its_error_shape(
    city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, _token = token_issue(user=city.student)
    monkeypatch.setattr("qingshe.api.auth.token_authenticate", _database_down)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "服务暂时不可用：数据库没有响应。请一分钟后再试。",
        "code": "service_unavailable",
    }


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL raises ProgrammingError for a bad query"
)
def test_a_mistake_in_a_query_on_sqlite_stays_a_500(
    city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite raises OperationalError for a bad query too: that is a bug, not an outage."""
    client = Client(raise_request_exception=False)
    client.force_login(city.student)
    from qingshe.accounts import views

    monkeypatch.setattr(views, "render_page", _query_mistake)
    response = client.get("/me/")
    assert response.status_code == 500 and "服务器出了问题" in response.content.decode()
    monkeypatch.setattr("qingshe.api.auth.token_authenticate", _query_mistake)
    raw, _token = token_issue(user=city.student)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 500 and response.json()["code"] == "server_error"


@pytest.mark.browser
def test_the_outage_page_on_a_phone(
    transactional_db: Any,
    city: SimpleNamespace,
    page: Any,
    login_page: Any,
    live_server: Any,
    screenshot_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a person sees when the database does not answer: the page in Chinese, no menus, a
    link to try again; it fits a phone."""
    login_page(city.student.phone)
    from qingshe.accounts import views

    monkeypatch.setattr(views, "render_page", _database_down)
    response = page.goto(f"{live_server.url}/me/")
    assert response is not None and response.status == 503
    assert page.get_by_role("heading", name="服务暂时不可用").is_visible()
    assert page.get_by_role("alert").inner_text().startswith("服务暂时不可用：数据库没有响应")
    assert page.get_by_role("link", name="重试").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-database-unavailable.png"), full_page=True)
    monkeypatch.undo()
    page.get_by_role("link", name="重试").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name=city.student.name).is_visible()


# --- a real outage ------------------------------------------------------------------------------
def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*cmd: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *map(str, cmd)], capture_output=True, text=True, timeout=120, check=check
    )


class Cluster:
    def __init__(self, bin_dir: Path, base: Path, port: int) -> None:
        self.bin, self.base, self.port = bin_dir, base, port
        self.data = base / "data"

    def ctl(self, *args: str) -> None:
        result = _as_postgres(
            self.bin / "pg_ctl", "-D", self.data, "-w", "-t", "60", *args, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-l", str(self.base / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")


@pytest.fixture
def private_pg() -> Iterator[Cluster]:
    bin_dir = _pg_bin()
    if bin_dir is None or shutil.which("runuser") is None:
        pytest.skip("the PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="qs-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(bin_dir, base, _free_port())
    init = _as_postgres(
        bin_dir / "initdb",
        "-D",
        cluster.data,
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
        "--locale=C.UTF-8",
    )
    assert init.returncode == 0
    cluster.start()
    try:
        yield cluster
    finally:
        _as_postgres(bin_dir / "pg_ctl", "-D", cluster.data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


def _copy_test_database(cluster: Cluster) -> str:
    """The test database (schema and what this test made), into the private cluster."""
    s = connection.settings_dict
    env = dict(os.environ, PGPASSWORD=s.get("PASSWORD") or "")
    dump = subprocess.run(
        [
            shutil.which("pg_dump") or "pg_dump",
            "--no-owner",
            "--no-privileges",
            "-h",
            s["HOST"] or "127.0.0.1",
            "-p",
            str(s["PORT"] or 5432),
            "-U",
            s["USER"],
            s["NAME"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    psql = [
        shutil.which("psql") or "psql",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        str(cluster.port),
        "-U",
        "postgres",
    ]
    subprocess.run([*psql, "-c", "CREATE DATABASE qs"], capture_output=True, timeout=60, check=True)
    load = subprocess.run(
        [*psql, "-d", "qs"], input=dump.stdout, capture_output=True, text=True, timeout=120
    )
    assert load.returncode == 0, load.stderr[-2000:]
    return f"postgres://postgres@127.0.0.1:{cluster.port}/qs"


@contextlib.contextmanager
def _gunicorn(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="qingshe.test_settings",
        DATABASE_URL=database_url,
        CONN_MAX_AGE="60",
    )
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "qingshe.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "1",
            "--timeout",
            "60",
            "--graceful-timeout",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=30)  # noqa: S310
                break
            except OSError:  # refused (not listening yet), reset, timed out
                assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base
        assert proc.poll() is None, "the app stopped"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.postgres
def test_postgres_restarted_while_the_app_runs(
    transactional_db: Any, city: SimpleNamespace, private_pg: Cluster, tmp_path: Path
) -> None:
    assert connection.vendor == "postgresql"
    raw, _token = token_issue(user=city.student)
    browser = Client()
    browser.force_login(city.student)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    url = _copy_test_database(private_pg)
    api_headers = {"Authorization": f"Bearer {raw}", "Accept": "application/json"}
    page_headers = {"Cookie": cookie}

    with _gunicorn(url, tmp_path) as base:

        def both() -> tuple[tuple[int, dict[str, str], str], tuple[int, dict[str, str], str]]:
            return _get(base + "/api/v1/me", api_headers), _get(base + "/me/", page_headers)

        api, page = both()
        assert api[0] == 200 and json.loads(api[2])["name"] == city.student.name
        assert page[0] == 200 and city.student.name in page[2]

        private_pg.stop()
        for _ in range(2):  # the kept connection broken, then no server to connect to
            api, page = both()
            assert api[0] == 503 and api[1]["Retry-After"] == "30", api
            assert json.loads(api[2]) == {
                "detail": "服务暂时不可用：数据库没有响应。请一分钟后再试。",
                "code": "service_unavailable",
            }
            assert page[0] == 503 and "服务暂时不可用" in page[2], page[:2]
            for body in (api[2], page[2]):
                assert "Traceback" not in body and "OperationalError" not in body
                assert str(private_pg.port) not in body

        private_pg.start()
        api, page = both()
        assert api[0] == 200 and json.loads(api[2])["name"] == city.student.name
        assert page[0] == 200 and city.student.name in page[2]

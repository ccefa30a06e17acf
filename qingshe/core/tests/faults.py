"""Running the app in another process against the test database, to kill it or race it there.

The test process builds its data as usual (transactional_db: committed), then `FaultDB.push()`
makes it visible to a child process: on PostgreSQL the child connects to the same test
database; on SQLite (the test database is in memory) the database is copied into a WAL file with
SQLite's backup API, and `pull()` copies the file back after the child has run, so the test
reads what the child left with the ORM as usual. No migration is run: the copy is the test
database, already migrated.

A child is `python -m qingshe.core.tests.faults <scenario> <json args>`: it sets up Django on
that database (and MEDIA_ROOT), runs a function of qingshe.core.tests.fault_scenarios and prints
`RESULT <json>`. A scenario that should stop half-way writes a signal file (with what it sees
inside its own transaction) and sleeps; `wait_for()` waits for that file, the test kills it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def child_env(db: str, media: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="qingshe.test_settings", QS_FAULT_MEDIA=media)
    if db.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = db
        env.pop("QS_FAULT_SQLITE", None)
    else:
        env.pop("DATABASE_URL", None)
        env["QS_FAULT_SQLITE"] = db
    env.update(extra)
    return env


class FaultDB:
    """The test database, as a child process sees it (see the module docstring)."""

    def __init__(self, tmp_path: Path, media: Path) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.media = media
        self.path = tmp_path / "fault.sqlite3"
        self.children: list[subprocess.Popen[str]] = []
        s = connection.settings_dict
        if self.vendor == "postgresql":
            auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
            self.url = (
                f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
            )
        else:
            self.url = str(self.path)

    def _raw(self) -> sqlite3.Connection:
        self.connection.ensure_connection()
        return self.connection.connection  # type: ignore[no-any-return]

    def push(self) -> None:
        if self.vendor != "sqlite":
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        target = sqlite3.connect(self.path)
        try:
            self._raw().backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()

    def pull(self) -> None:
        if self.vendor != "sqlite":
            return
        source = sqlite3.connect(self.path)
        try:
            source.backup(self._raw())
        finally:
            source.close()

    def env(self, **extra: str) -> dict[str, str]:
        return child_env(self.url, str(self.media), **extra)

    def start(self, scenario: str, *args: Any, **env: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "qingshe.core.tests.faults", scenario, json.dumps(args)],
            cwd=ROOT,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.children.append(proc)
        return proc

    def close(self) -> None:
        """Kill any child still running (a test that failed before killing it): a paused child
        would hold its locks until its pause ends."""
        for proc in self.children:
            if proc.poll() is None:
                kill(proc)

    def run(self, scenario: str, *args: Any, timeout: float = 120, **env: str) -> Any:
        proc = self.start(scenario, *args, **env)
        return result_of(proc, timeout=timeout)


def result_of(proc: subprocess.Popen[str], *, timeout: float = 120) -> Any:
    out, err = proc.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"child failed ({proc.returncode}):\n{err[-4000:]}"
    return json.loads(lines[-1][len("RESULT ") :])


def wait_for(signal_file: Path, proc: subprocess.Popen[str], *, timeout: float = 90) -> Any:
    """What the child wrote into `signal_file` once it paused (it must not have ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if signal_file.exists() and signal_file.stat().st_size:
            return json.loads(signal_file.read_text())
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise AssertionError(
                f"the child ended before pausing ({proc.returncode}):\n{err[-4000:]}"
            )
        time.sleep(0.05)
    kill(proc)
    raise AssertionError("the child did not pause in time")


def kill(proc: subprocess.Popen[str]) -> int:
    """SIGKILL: no handler, no rollback by the process itself; the database is left to cope."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    return proc.returncode


@pytest.fixture
def fault_db(transactional_db: Any, tmp_path: Path, settings: Any) -> Iterator[FaultDB]:
    """The test database for child processes; uploads under tmp_path/media for both sides."""
    settings.MEDIA_ROOT = tmp_path / "media"
    db = FaultDB(tmp_path, settings.MEDIA_ROOT)
    yield db
    db.close()


# --- the child ----------------------------------------------------------------------------------
def _child(argv: list[str]) -> None:
    import qingshe.test_settings as s

    sqlite_path = os.environ.get("QS_FAULT_SQLITE")
    if sqlite_path:
        s.DATABASES["default"]["NAME"] = s.DATABASES["default"]["TEST"]["NAME"] = sqlite_path
    s.MEDIA_ROOT = Path(os.environ["QS_FAULT_MEDIA"])
    if os.environ.get("QS_FAULT_TASKS") == "db":
        s.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    import django

    django.setup()
    from qingshe.core.tests import fault_scenarios

    scenario, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else []
    out = getattr(fault_scenarios, scenario.replace("-", "_"))(*args)
    sys.stdout.write("RESULT " + json.dumps(out, default=str) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    _child(sys.argv[1:])

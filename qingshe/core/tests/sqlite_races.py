"""Race scenarios on SQLite as the deployment runs it: a fresh database file, migrated, in WAL
mode, in a child process (the test run's own database is in memory and shared by its threads,
which would hide every race). Each scenario is a function of a test module, called in the child
with keyword arguments; what it returns comes back as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]

_CHILD = """
import importlib, json, sys
import qingshe.test_settings as s
path, spec = sys.argv[1], json.loads(sys.argv[2])
s.DATABASES["default"]["NAME"] = s.DATABASES["default"]["TEST"]["NAME"] = path
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0, interactive=False)
assert connection.vendor == "sqlite" and connection.settings_dict["NAME"] == path
module = importlib.import_module(spec["module"])
out = {"journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]}
for key, (name, kwargs) in spec["calls"].items():
    out[key] = getattr(module, name)(**kwargs)
sys.stdout.write("RESULT " + json.dumps(out, default=str) + "\\n")
"""


def run_on_fresh_sqlite(
    directory: Path,
    module: str,
    calls: dict[str, tuple[str, dict[str, Any]]],
    *,
    timeout: float,
) -> dict[str, Any]:
    """Run `calls` (key → (function name in `module`, keyword arguments)) one after another in a
    child process on a new SQLite file in `directory`; returns key → result. Fails the test with
    the child's error output if it does not finish, and if the database is not in WAL mode."""
    path = directory / "races.sqlite3"
    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{path}", DJANGO_SETTINGS_MODULE="qingshe.test_settings"
    )
    spec = json.dumps({"module": module, "calls": calls})
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), spec],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-4000:]
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    assert result["journal_mode"] == "wal"
    return result

"""Roster import: rows per second of the whole import beside openpyxl's own read-only iteration
of the same file, and the import's peak memory.

1. A subprocess writes the roster once per run into a temporary directory with openpyxl's
   write-only mode: an organisations sheet creating 20 department committees and 2,500 class
   branches under an existing university, and a students sheet of 100,000 students (--quick:
   5 departments, 50 branches, 2,000 students), every student with a valid ID number, a mobile
   number, a student number and skills.
2. Baseline, in a fresh subprocess: `load_workbook(read_only=True)` and `iter_rows(values_only=True)`
   over every sheet, the least any import of this file must do.
3. The import, in a fresh subprocess on a fresh temporary SQLite database (file, WAL, as the
   app configures it): its tables created from the models, the city, the university and its
   league admin, the URLconf loaded (not timed), then, timed, `imports.services.import_start`
   (the upload's look at the file, storing it) and `import_run` (checking every row, then
   saving everything in one transaction through the orgs and accounts bulk services), as that
   admin. Asserted: the job is done and
   every student has a profile and a membership.

rows_per_second counts the data rows of both sheets; ratio = import rate / openpyxl rate
(target >= 0.5), openpyxl being timed before and after the import and the faster run kept.
On a shared machine wall-clock rates follow the load of the moment, so the CPU time of both
processes and its ratio are reported too. peak_rss_mb is the import subprocess's maximum resident set (ru_maxrss),
Django and the migrations included (target <= 500). Phase times show where the time goes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KEY = "import"
ROOT = Path(__file__).resolve().parent.parent
FULL = {"students": 100_000, "departments": 20, "branches": 2_500}
QUICK = {"students": 2_000, "departments": 5, "branches": 50}
UNIVERSITY = "共青团基准大学委员会"
UNIVERSITY_SHORT = "基准大学团委"
TARGET_RATIO = 0.5
TARGET_MB = 500


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="qingshe.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'import.sqlite3'}",
        MEDIA_ROOT=str(tmp / "media"),
        QINGSHE_VAR_DIR=str(tmp / "var"),
        SECRET_KEY="bench-secret-key-qingshe",  # noqa: S106 - a throwaway database's key
        QINGSHE_FIELD_KEY="bench-field-key-qingshe",
        QINGSHE_SIGNING_KEYS="",
        DEBUG="false",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def _child(mode: str, tmp: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", mode, str(tmp), *args],
        cwd=ROOT,
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_import {mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(*, quick: bool) -> dict[str, object]:
    size = QUICK if quick else FULL
    tmp = Path(tempfile.mkdtemp(prefix="qingshe-bench-import-"))
    try:
        made = _child("generate", tmp, json.dumps(size))
        before = _child("baseline", tmp)
        imported = _child("import", tmp, json.dumps(size))
        # --quick: openpyxl once (before), to stay within its minute.
        after = before if quick else _child("baseline", tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # The machine's load may change while the import runs: openpyxl is timed before and after
    # it (--quick: before only), and the faster of the two is the baseline (the stricter one).
    baseline = min(before, after, key=lambda b: b["seconds"])
    rows = imported["rows"]
    rate = rows / imported["seconds"]
    base_rate = baseline["rows"] / baseline["seconds"]
    ratio = rate / base_rate
    cpu_ratio = baseline["cpu_seconds"] / imported["cpu_seconds"]
    return {
        "students": size["students"],
        "org_rows": size["departments"] + size["branches"],
        "rows": rows,
        "file_mb": made["file_mb"],
        "generate_seconds": made["seconds"],
        "rows_per_second": round(rate, 1),
        "seconds": round(imported["seconds"], 2),
        "phases_seconds": imported["phases"],
        "cpu_seconds": round(imported["cpu_seconds"], 2),
        "baseline": {
            "what": "openpyxl load_workbook(read_only=True) + iter_rows(values_only=True) over every sheet",
            "rows_per_second": round(base_rate, 1),
            "seconds": round(baseline["seconds"], 2),
            "seconds_before_and_after": [round(before["seconds"], 2), round(after["seconds"], 2)],
            "cpu_seconds": round(baseline["cpu_seconds"], 2),
            "peak_rss_mb": baseline["peak_rss_mb"],
        },
        "ratio": round(ratio, 3),
        "ratio_of_cpu_time": round(cpu_ratio, 3),
        "peak_rss_mb": imported["peak_rss_mb"],
        "peak_rss_mb_before_import": imported["rss_before_mb"],
        "targets": {
            "ratio": f">= {TARGET_RATIO}",
            "ratio_met": ratio >= TARGET_RATIO,
            "peak_rss_mb": f"<= {TARGET_MB}",
            "peak_rss_met": imported["peak_rss_mb"] <= TARGET_MB,
        },
        "database": "sqlite (temporary file, WAL)",
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


# --- the subprocesses ----------------------------------------------------------------------------
def _django() -> None:
    import django

    django.setup()


def _branch_names(size: dict[str, int]) -> tuple[list[str], list[tuple[str, str]]]:
    departments = [f"共青团基准大学第{d + 1}学院委员会" for d in range(size["departments"])]
    branches = [
        (f"2024级基准专业{b + 1}班团支部", departments[b % len(departments)])
        for b in range(size["branches"])
    ]
    return departments, branches


def _generate(tmp: Path, size: dict[str, int]) -> dict[str, Any]:
    _django()
    from qingshe.imports import samples

    started = time.perf_counter()
    departments, branches = _branch_names(size)
    orgs = [["院系团委", d, "", UNIVERSITY_SHORT] for d in departments]
    # Branch names repeat nothing, but their departments are named by path, as a person would
    # when a short name is ambiguous.
    orgs += [["班级团支部", b, "", f"{UNIVERSITY_SHORT}/{d}"] for b, d in branches]
    students = samples.student_rows(
        size["students"],
        university=UNIVERSITY_SHORT,
        department=departments,
        branches=[b for b, _d in branches],
        phone_prefix="137",
    )
    path = tmp / "roster.xlsx"
    samples.write_roster(path, students=students, orgs=orgs)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "file_mb": round(path.stat().st_size / 2**20, 2),
    }


def _baseline(tmp: Path) -> dict[str, Any]:
    from openpyxl import load_workbook

    started, cpu = time.perf_counter(), time.process_time()
    workbook = load_workbook(tmp / "roster.xlsx", read_only=True)
    rows = 0
    for sheet in workbook.worksheets:
        for _row in sheet.iter_rows(values_only=True):
            rows += 1
        rows -= 1  # the header
    workbook.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "rows": rows,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _create_schema() -> None:
    """The tables of every model, created directly (as `migrate --run-syncdb` or pytest's
    --nomigrations would): a throwaway database does not need the migration history, and
    replaying the project's migrations would take longer than a quick import."""
    from django.apps import apps
    from django.db import connection

    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                editor.create_model(model)


def _import(tmp: Path, size: dict[str, int]) -> dict[str, Any]:
    _django()
    from django.core.files import File
    from django.urls import reverse

    _create_schema()
    from qingshe.accounts.models import StudentProfile
    from qingshe.accounts.services import user_create
    from qingshe.imports import services
    from qingshe.imports.models import ImportJob
    from qingshe.orgs.models import Membership, OrgKind, Role
    from qingshe.orgs.services import membership_grant, org_create

    city = org_create(
        actor=None, kind=OrgKind.CITY_COMMITTEE, name="共青团基准市委员会", short_name="基准团市委"
    )
    org_create(
        actor=None,
        kind=OrgKind.UNIVERSITY_COMMITTEE,
        name=UNIVERSITY,
        short_name=UNIVERSITY_SHORT,
        parent=city,
    )
    admin = user_create(name="基准管理员", phone="13900000000")
    membership_grant(actor=None, user=admin, org=city, role=Role.LEAGUE_ADMIN)
    # A running site or task worker has its URLconf loaded already (the upload came through
    # it); loading it at the import's first reverse() is start-up (~1 s), not import work.
    reverse("imports:job", args=[1])
    rss_before = _peak_rss_mb()
    phases: dict[str, float] = {}
    marks: dict[str, float] = {}

    def watch(job: ImportJob) -> None:
        marks.setdefault(job.state, time.perf_counter())

    started, cpu = time.perf_counter(), time.process_time()
    with (tmp / "roster.xlsx").open("rb") as handle:
        job = services.import_start(
            actor=admin, upload=File(handle, name="roster.xlsx"), enqueue=False
        )
    marks["started"] = time.perf_counter()
    job = services.import_run(job_id=job.pk, on_progress=watch)
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    if job.state != ImportJob.State.DONE:
        raise SystemExit(
            f"import ended {job.state}: {job.problem} {[e.message for e in job.row_errors.all()[:5]]}"
        )
    assert job.students_created == size["students"] == StudentProfile.objects.count()
    assert Membership.objects.filter(role=Role.STUDENT).count() == size["students"]
    assert job.orgs_created == size["departments"] + size["branches"]
    writing = marks.get(ImportJob.State.WRITING, ended)
    phases["upload_check_and_store"] = round(marks["started"] - started, 2)
    phases["checking_rows"] = round(writing - marks["started"], 2)
    phases["saving"] = round(ended - writing, 2)
    return {
        "seconds": ended - started,
        "cpu_seconds": cpu,
        "rows": job.rows_read,
        "phases": phases,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_before_mb": rss_before,
    }


if __name__ == "__main__":
    mode, where = sys.argv[1], Path(sys.argv[2])
    arguments = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    result = {"generate": _generate, "baseline": _baseline, "import": _import}[mode](
        where, *([arguments] if arguments else [])
    )
    sys.stdout.write(json.dumps(result) + "\n")

"""Two roster imports sharing students, at once: both finish checking before either saves (so the
checks of phase 1 cannot see the other's people), then both save.

The rosters: A has students 0-5; B has students 3-8 (3, 4 and 5 are the same people: the same
name, mobile number, ID number and student number) and one more person, with their own mobile
and ID numbers but A's student 0's student number. Whatever order they save in:

* all or nothing (the default): one import saves its 6 students, the other is rejected whole,
  with row errors naming the 3 people already registered (mobile number, ID number, student
  number) and the clashing student number; nothing of it is saved;
* `valid_only` for both: each saves what is not taken, nobody twice.

Afterwards every mobile number, ID number and student number is there at most once, each person
has one profile and one student membership, and the jobs' counters match the rows.

On PostgreSQL in this process (CI's second pass); on SQLite in a child process on a WAL file (the
in-memory test database cannot be shared between connections the way a file is).
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from qingshe.accounts.models import StudentProfile, User
from qingshe.core.tests.faults import FaultDB, fault_db
from qingshe.core.tests.races import race
from qingshe.imports import samples, services, writer
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes
from qingshe.orgs.models import Membership, Role

__all__ = ["fault_db"]  # the fixture
EXTRA = 100  # B's own extra person, who has A's student 0's student number


def _rosters() -> tuple[bytes, bytes]:
    a = rows(6, start=0)
    b = rows(6, start=3)
    extra = rows(1, start=EXTRA)[0]
    extra[6] = a[0][6]  # the student number
    b.append(extra)
    return workbook_bytes(students=a), workbook_bytes(students=b)


def _same_number_rosters() -> tuple[bytes, bytes]:
    """Different people (own mobile and ID numbers), one student number in both files: no
    unique constraint guards it, only the checks."""
    a = rows(3, start=0)
    b = rows(3, start=10)
    b[0][6] = a[0][6]
    return workbook_bytes(students=a), workbook_bytes(students=b)


def _start(city: SimpleNamespace, *, valid_only: bool, rosters: Any = _rosters) -> list[int]:
    jobs = []
    for name, content in zip(("甲.xlsx", "乙.xlsx"), rosters(), strict=True):
        job = services.import_start(
            actor=city.league_admin,
            upload=upload(content, name),
            valid_only=valid_only,
            enqueue=False,
        )
        jobs.append(job.pk)
    return jobs


def _phones(*indexes: int) -> set[str]:
    return {samples.phone(i, "136") for i in indexes}


def _check_invariants() -> None:
    imported = User.objects.filter(phone__in=_phones(*range(9), EXTRA))
    for field in ("phone", "id_number_digest"):
        dupes = imported.values(field).annotate(n=Count("id")).filter(n__gt=1)
        assert not dupes.exists(), field
    numbers = StudentProfile.objects.values("university", "student_no").annotate(n=Count("id"))
    assert not numbers.filter(n__gt=1).exclude(student_no="").exists()
    for user in imported:
        assert StudentProfile.objects.filter(user=user).count() == 1
        assert Membership.objects.filter(user=user, role=Role.STUDENT).count() == 1


def check_all_or_nothing(job_ids: list[int], outcomes: list[str]) -> None:
    assert outcomes == ["ok", "ok"]
    jobs = [ImportJob.objects.get(pk=pk) for pk in job_ids]
    states = sorted(j.state for j in jobs)
    assert states == [ImportJob.State.DONE, ImportJob.State.REJECTED], [
        (j.state, j.problem_code) for j in jobs
    ]
    done = next(j for j in jobs if j.state == ImportJob.State.DONE)
    lost = next(j for j in jobs if j.state == ImportJob.State.REJECTED)
    assert done.students_created == rows_of(done) and done.error_count == 0
    assert lost.students_created == 0 and lost.rows_written == 0
    # The rejected job names the clashes, row by row, with the messages of any duplicate.
    codes = Counter(lost.row_errors.values_list("code", flat=True))
    assert codes == {"phone_taken": 3, "id_taken": 3, "student_no_taken": 4}, codes
    assert lost.error_rows == 4 and lost.error_count == 10 and lost.error_file
    assert all(e.message for e in lost.row_errors.all())
    # Nothing of the rejected roster is saved: exactly the winner's people.
    winner = set(range(6)) if done.original_name == "甲.xlsx" else {*range(3, 9), EXTRA}
    assert set(
        User.objects.filter(phone__in=_phones(*range(9), EXTRA)).values_list("phone", flat=True)
    ) == _phones(*winner)
    _check_invariants()


def rows_of(job: ImportJob) -> int:
    return 6 if job.original_name == "甲.xlsx" else 7


def check_valid_only(job_ids: list[int], outcomes: list[str]) -> None:
    assert outcomes == ["ok", "ok"]
    jobs = [ImportJob.objects.get(pk=pk) for pk in job_ids]
    assert [j.state for j in jobs] == [ImportJob.State.DONE] * 2, [
        (j.state, j.problem_code) for j in jobs
    ]
    first, second = sorted(jobs, key=lambda j: j.error_count)
    # The first to save took all its rows (A's 6, or B's 7); the second the rest (B: 6-8;
    # A: 1 and 2) and refused 4 rows (3-5, and the row with the other's student number).
    assert first.error_count == 0 and first.students_created == rows_of(first)
    assert second.error_rows == 4 and second.students_created == 9 - first.students_created
    assert User.objects.filter(phone__in=_phones(*range(9), EXTRA)).count() == 9
    _check_invariants()


def check_same_number(job_ids: list[int], outcomes: list[str]) -> None:
    assert outcomes == ["ok", "ok"]
    jobs = [ImportJob.objects.get(pk=pk) for pk in job_ids]
    assert sorted(j.state for j in jobs) == [ImportJob.State.DONE, ImportJob.State.REJECTED], [
        (j.state, j.problem_code) for j in jobs
    ]
    lost = next(j for j in jobs if j.state == ImportJob.State.REJECTED)
    assert list(lost.row_errors.values_list("row", "code")) == [(2, "student_no_taken")]
    assert lost.students_created == 0
    assert User.objects.filter(phone__in=_phones(0, 1, 2, 10, 11, 12)).count() == 3
    _check_invariants()


@pytest.mark.postgres
def test_pg_rosters_sharing_only_a_student_number_at_once(
    transactional_db: Any, city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    job_ids = _start(city, valid_only=False, rosters=_same_number_rosters)
    barrier = threading.Barrier(2)
    original = writer.write_all

    def write_after_both_checked(*args: Any, **kw: Any) -> Any:
        barrier.wait(timeout=60)
        return original(*args, **kw)

    monkeypatch.setattr(writer, "write_all", write_after_both_checked)
    outcomes = race([lambda j=j: services.import_run(job_id=j) for j in job_ids], timeout=60)
    check_same_number(job_ids, outcomes)


@pytest.mark.postgres
@pytest.mark.parametrize("valid_only", [False, True], ids=["all_or_nothing", "valid_only"])
def test_pg_overlapping_rosters_at_once(
    transactional_db: Any, city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, valid_only: bool
) -> None:
    import threading

    assert connection.vendor == "postgresql"
    job_ids = _start(city, valid_only=valid_only)
    barrier = threading.Barrier(2)
    original = writer.write_all

    def write_after_both_checked(*args: Any, **kw: Any) -> Any:
        barrier.wait(timeout=60)
        return original(*args, **kw)

    monkeypatch.setattr(writer, "write_all", write_after_both_checked)
    outcomes = race([lambda j=j: services.import_run(job_id=j) for j in job_ids], timeout=60)
    (check_valid_only if valid_only else check_all_or_nothing)(job_ids, outcomes)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own pass (PostgreSQL: above)")
@pytest.mark.parametrize("valid_only", [False, True], ids=["all_or_nothing", "valid_only"])
def test_sqlite_wal_overlapping_rosters_at_once(
    fault_db: FaultDB, city: SimpleNamespace, valid_only: bool
) -> None:
    job_ids = _start(city, valid_only=valid_only)
    db = fault_db
    db.push()
    outcomes = db.run("import_race", job_ids)
    db.pull()
    (check_valid_only if valid_only else check_all_or_nothing)(job_ids, outcomes)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own pass (PostgreSQL: above)")
def test_sqlite_wal_rosters_sharing_only_a_student_number_at_once(
    fault_db: FaultDB, city: SimpleNamespace
) -> None:
    job_ids = _start(city, valid_only=False, rosters=_same_number_rosters)
    fault_db.push()
    outcomes = fault_db.run("import_race", job_ids)
    fault_db.pull()
    check_same_number(job_ids, outcomes)

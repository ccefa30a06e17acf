"""The import task: enqueued on commit by import_start, run by the task backend, progress saved
while it runs, run once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django_tasks import TaskResultStatus

from qingshe.accounts.models import StudentProfile
from qingshe.imports import services, tasks, writer
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes


def test_import_start_enqueues_the_task_on_commit(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.import_start(
            actor=city.league_admin, upload=upload(workbook_bytes(students=rows(12)))
        )
    assert len(callbacks) >= 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.students_created == 12


def test_with_a_queue_the_job_waits_until_a_worker_runs_it(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.import_start(
                actor=city.league_admin, upload=upload(workbook_bytes(students=rows(3)))
            )
        from django_tasks import default_task_backend

        (queued,) = default_task_backend.results  # type: ignore[attr-defined]
        assert queued.task.name == "run_import" and queued.kwargs == {"job_id": job.pk}
        job.refresh_from_db()
        assert job.state == ImportJob.State.QUEUED and job.percent == 0 and job.rows_total == 3
    result = tasks.run_import.enqueue(job_id=job.pk)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {
        "job": job.pk,
        "state": "done",
        "rows": 3,
        "students_created": 3,
        "orgs_created": 0,
        "errors": 0,
    }
    # Delivered twice: the second run finds the job done and leaves it.
    assert tasks.run_import.enqueue(job_id=job.pk).return_value["students_created"] == 3
    assert StudentProfile.objects.count() == 3


def test_progress_is_saved_while_the_job_runs(
    city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every chunk of checked rows and every batch of saved rows is saved on the job's row, where
    the polling page reads it."""
    monkeypatch.setattr(services, "PROGRESS_EVERY_SECONDS", 0)
    monkeypatch.setattr(services, "CHECK_CHUNK", 200)
    monkeypatch.setattr(writer, "WRITE_CHUNK", 300)
    students = rows(1000)
    students[10][1] = "123"
    job = services.import_start(
        actor=city.league_admin,
        upload=upload(workbook_bytes(students=students)),
        valid_only=True,
        enqueue=False,
    )
    seen: list[tuple[str, int, int, int, int | None]] = []

    def watch(current: ImportJob) -> None:
        stored = ImportJob.objects.get(pk=current.pk)  # what the page would read
        seen.append(
            (
                stored.state,
                stored.rows_read,
                stored.rows_written,
                stored.error_count,
                stored.percent,
            )
        )

    job = services.import_run(job_id=job.pk, on_progress=watch)
    assert job.state == ImportJob.State.DONE and job.students_created == 999
    checking = [s for s in seen if s[0] == ImportJob.State.VALIDATING]
    saving = [s for s in seen if s[0] == ImportJob.State.WRITING]
    read = [s[1] for s in checking]
    assert read == sorted(read) and len(set(read)) >= 4 and read[-1] >= 800
    assert any(s[3] == 1 for s in checking)  # the error is counted as soon as its chunk is checked
    written = [s[2] for s in saving]
    if connection.vendor == "postgresql":
        # There the saving counters go through a second connection, which cannot see this
        # test's uncommitted job: see the PostgreSQL test below.
        assert not written
    else:
        assert written == sorted(written) and {300, 600, 900} <= set(written)
    percents = [s[4] for s in seen if s[4] is not None]
    assert percents == sorted(percents) and percents[0] < 50 < percents[-1] == 100
    job.refresh_from_db()
    assert (job.rows_read, job.rows_written, job.percent) == (1000, 999, 100)


@pytest.mark.postgres
def test_on_postgresql_saving_progress_is_visible_to_other_connections(
    transactional_db: Any, city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the saving transaction is open, the page (another connection) sees the counters
    move: they go through a second connection."""
    from django.db import DEFAULT_DB_ALIAS, connections

    monkeypatch.setattr(services, "PROGRESS_EVERY_SECONDS", 0)
    monkeypatch.setattr(writer, "WRITE_CHUNK", 100)
    job = services.import_start(
        actor=city.league_admin, upload=upload(workbook_bytes(students=rows(400))), enqueue=False
    )
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    seen: list[tuple[str, int]] = []

    def watch(current: ImportJob) -> None:
        if current.state == ImportJob.State.WRITING and current.rows_written:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT state, rows_written FROM imports_importjob WHERE id = %s", [current.pk]
                )
                seen.append(cursor.fetchone())

    try:
        job = services.import_run(job_id=job.pk, on_progress=watch)
    finally:
        other.close()
    assert job.state == ImportJob.State.DONE
    # Each reading lags the callback by one step: the row is updated after the callback runs.
    assert [s for s, _n in seen] == ["writing"] * len(seen) and len(seen) >= 4
    assert [n for _s, n in seen][1:4] == [100, 200, 300]

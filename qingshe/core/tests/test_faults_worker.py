"""The task worker killed in the middle of a task: the task is run again and its effect happens
once.

With the database task backend (django-tasks-db, production's), a roster import is queued; a
worker (`qingshe db_worker`, in a child process) takes it and is killed with SIGKILL while it
saves. django-tasks-db leaves such a task RUNNING for ever; `qingshe tasks-reap`
(qingshe.core.task_reaper) puts it back in the queue, a new worker runs it again (its second
attempt: the import starts its job again) and the students are there once.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from qingshe.accounts.models import StudentProfile, User
from qingshe.core.models import AuditEvent
from qingshe.core.task_reaper import requeue_stale
from qingshe.core.tests.faults import FaultDB, fault_db, kill, result_of, wait_for
from qingshe.imports import samples, services
from qingshe.imports.models import ImportJob
from qingshe.imports.tasks import run_import
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes
from qingshe.orgs.models import Membership, Role

STUDENTS = 12
__all__ = ["fault_db"]  # the fixture
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_import_task_killed_with_its_worker_runs_again_once(
    fault_db: FaultDB, city: SimpleNamespace, tmp_path: Path, capsys: Any
) -> None:
    job = services.import_start(
        actor=city.league_admin,
        upload=upload(workbook_bytes(students=rows(STUDENTS))),
        enqueue=False,
    )
    with override_settings(TASKS=DB_TASKS):
        queued = run_import.enqueue(job_id=job.pk)
    users_before = User.objects.count()
    db = fault_db
    db.push()

    signal_file = tmp_path / "paused.json"
    first = db.start("worker", str(signal_file), QS_FAULT_TASKS="db")
    seen = wait_for(signal_file, first)
    assert seen["users"] == users_before + STUDENTS  # written, not committed
    assert kill(first) == -9
    db.pull()
    task = DBTaskResult.objects.get(pk=queued.id)
    assert task.status == TaskResultStatus.RUNNING and len(task.worker_ids) == 1
    assert User.objects.count() == users_before

    # Not stale yet: left alone. Then the reaper (the command) queues it again.
    assert requeue_stale() == []
    call_command("tasks-reap", "--stale-after", "0")
    assert "1 queued again" in capsys.readouterr().out
    assert DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.READY
    assert AuditEvent.objects.filter(action="tasks.requeue").count() == 1
    db.push()

    tasks = result_of(db.start("worker", QS_FAULT_TASKS="db"))
    assert tasks == {str(queued.id): {"status": "SUCCESSFUL", "workers": 2}}
    db.pull()
    task = DBTaskResult.objects.get(pk=queued.id)
    assert task.return_value["students_created"] == STUDENTS
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.students_created == STUDENTS
    phones = {samples.phone(i) for i in range(STUDENTS)}
    assert User.objects.count() == users_before + STUDENTS
    assert User.objects.filter(phone__in=phones).count() == STUDENTS
    assert StudentProfile.objects.filter(user__phone__in=phones).count() == STUDENTS
    assert Membership.objects.filter(user__phone__in=phones, role=Role.STUDENT).count() == STUDENTS
    # The job's errors and counters were started again, not added to the first attempt's.
    assert job.error_count == 0 and job.rows_read == STUDENTS

"""Background work of imports: running a queued roster import (imports.services.import_run).

With the database task backend the worker (`qingshe db_worker`) runs it; the job page polls the
job's counters. Delivered twice, the second run finds the job no longer queued and does nothing.
Run again after its worker died (`qingshe tasks-reap` re-queued it: a second attempt), it runs
the job again from the start: the dead worker's saving transaction was rolled back with its
connection, so the students are saved once.
"""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, task

from qingshe.imports import services


@task(takes_context=True)
def run_import(context: TaskContext, job_id: int) -> dict[str, Any]:
    job = services.import_run(job_id=job_id, resume=context.attempt > 1)
    return {
        "job": job.pk,
        "state": job.state,
        "rows": job.rows_read,
        "students_created": job.students_created,
        "orgs_created": job.orgs_created,
        "errors": job.error_count,
    }

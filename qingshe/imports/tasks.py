"""Background work of imports: running a queued roster import (imports.services.import_run).

With the database task backend the worker (`qingshe db_worker`) runs it; the job page polls the
job's counters. Delivered twice, the second run finds the job no longer queued and does nothing.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from qingshe.imports import services


@task()
def run_import(job_id: int) -> dict[str, Any]:
    job = services.import_run(job_id=job_id)
    return {
        "job": job.pk,
        "state": job.state,
        "rows": job.rows_read,
        "students_created": job.students_created,
        "orgs_created": job.orgs_created,
        "errors": job.error_count,
    }

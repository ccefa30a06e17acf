"""Background work of exports (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from qingshe.core.exports import services


@task()
def run_export(job_id: int) -> dict[str, Any]:
    job = services.export_run(job_id=job_id)
    return {"job": job_id, "state": getattr(job, "state", None), "rows": getattr(job, "done", 0)}


@task()
def purge_exports(older_than_days: int = services.KEEP_DAYS) -> int:
    return services.export_purge(older_than_days=older_than_days)

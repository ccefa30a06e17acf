"""Tasks whose worker died: put back in the queue.

The database task backend (django-tasks-db) marks a task RUNNING when a worker claims it and
SUCCESSFUL or FAILED when it ends; a worker killed in between (SIGKILL, out of memory, the machine
restarted) leaves the task RUNNING for ever: no worker looks at it again. `requeue_stale` sets
tasks RUNNING for longer than `older_than` back to READY, and the next worker runs them again (a
second attempt: `TaskContext.attempt` is 2). A task's worker is not asked whether it is alive, so
`older_than` must be longer than any task runs (default an hour; a roster of 100,000 students
takes about a minute). The project's tasks are safe to run again: each claims its work (an
import its job, a digest its day) or writes in one transaction that died with the worker.

Run `qingshe tasks-reap` every few minutes (cron or a systemd timer, beside `duty-tick`); `make
worker` runs it before starting the worker.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus

from qingshe.core.audit import audit

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=1)


def requeue_stale(*, older_than: timedelta = STALE_AFTER) -> list[str]:
    """Put the tasks RUNNING since before `older_than` ago back in the queue; their ids."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            .values_list("pk", "task_path")
        )
        if not stale:
            return []
        DBTaskResult.objects.filter(pk__in=[pk for pk, _path in stale]).update(
            status=TaskResultStatus.READY
        )
        audit(
            actor=None,
            action="tasks.requeue",
            data={
                "count": len(stale),
                "tasks": sorted({path for _pk, path in stale}),
                "older_than_seconds": int(older_than.total_seconds()),
            },
        )
    for pk, path in stale:
        logger.warning("task %s (%s): its worker stopped; queued again", pk, path)
    return [str(pk) for pk, _path in stale]

"""What a child process of qingshe.core.tests.faults runs (Django is set up by then). Each
function returns something JSON can carry; a `pause_*` one stops inside its transaction, after
rows were written, writes what it sees there into `signal_file` and sleeps until it is killed."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

PAUSE_SECONDS = 120


def _pause(signal_file: str, seen: dict[str, Any]) -> None:
    from django.db import connection

    seen["in_transaction"] = connection.in_atomic_block
    tmp = Path(signal_file + ".tmp")
    tmp.write_text(json.dumps(seen))
    tmp.rename(signal_file)
    time.sleep(PAUSE_SECONDS)
    raise AssertionError("the pause was not killed")


def _pause_import_after_first_chunk(signal_file: str) -> None:
    """The import stops after its first chunk of people, profiles and memberships is written."""
    from qingshe.accounts.models import StudentProfile, User
    from qingshe.imports import writer

    original = writer.memberships_bulk_grant

    def grant_then_pause(**kw: Any) -> Any:
        out = original(**kw)
        _pause(
            signal_file,
            {"users": User.objects.count(), "profiles": StudentProfile.objects.count()},
        )
        return out

    writer.memberships_bulk_grant = grant_then_pause  # type: ignore[assignment]


# --- races --------------------------------------------------------------------------------------
def import_race(job_ids: list[int]) -> list[str]:
    """Run the imports at once, each in its own thread and connection; both finish checking
    before either starts saving (the case the saving phase must catch)."""
    from qingshe.core.tests.races import race
    from qingshe.imports import services, writer

    barrier = threading.Barrier(len(job_ids))
    original = writer.write_all

    def write_after_all_checked(*args: Any, **kw: Any) -> Any:
        barrier.wait(timeout=60)
        return original(*args, **kw)

    writer.write_all = write_after_all_checked  # type: ignore[assignment]
    return race([lambda j=j: services.import_run(job_id=j) for j in job_ids], timeout=60)


# --- killed half-way ----------------------------------------------------------------------------
def pause_import(job_id: int, signal_file: str) -> None:
    from qingshe.imports import services

    _pause_import_after_first_chunk(signal_file)
    services.import_run(job_id=job_id)


def pause_plan(plan_id: int, actor_id: int, signal_file: str) -> None:
    """Apply a dispatch plan and stop once its offers are written and the plan marked applied."""
    from django.contrib.auth import get_user_model

    from qingshe.needs.models import DispatchPlan, NeedAssignment
    from qingshe.needs.services import dispatch as ds

    original = ds.audit

    def audit_then_pause(*args: Any, **kw: Any) -> Any:
        out = original(*args, **kw)
        if kw.get("action") == "dispatch.apply":
            _pause(
                signal_file,
                {
                    "assignments": NeedAssignment.objects.filter(plan_id=plan_id).count(),
                    "plan_state": DispatchPlan.objects.get(pk=plan_id).state,
                },
            )
        return out

    ds.audit = audit_then_pause  # type: ignore[assignment]
    actor = get_user_model().objects.get(pk=actor_id)
    ds.dispatch_plan_apply(actor=actor, plan=DispatchPlan.objects.get(pk=plan_id))


# --- the task worker ----------------------------------------------------------------------------
def enqueue_import(job_id: int) -> str:
    from qingshe.imports.tasks import run_import

    return str(run_import.enqueue(job_id=job_id).id)


def worker(signal_file: str | None = None) -> dict[str, Any]:
    """`qingshe db_worker --batch`: runs the tasks ready, then ends. With `signal_file`, an import
    it runs stops half-way (to be killed)."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    if signal_file:
        _pause_import_after_first_chunk(signal_file)
    call_command("db_worker", batch=True, interval=0.1, startup_delay=False, verbosity=0)
    return {
        str(t.pk): {"status": t.status, "workers": len(t.worker_ids)}
        for t in DBTaskResult.objects.all()
    }

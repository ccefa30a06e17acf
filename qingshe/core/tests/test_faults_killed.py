"""The server killed in the middle of an import or of a plan's application: the database is as
before, and the import or the plan can be run again.

The import (imports.services.import_run) and the application of a dispatch plan
(needs.services.dispatch.dispatch_plan_apply) run in a child process on the test database (a WAL
file copy on SQLite, the test database itself on PostgreSQL: see faults.py). The child stops
inside its saving transaction once it has written rows (it reports how many it sees there), and
is killed with SIGKILL: nothing of the process runs after that, no rollback of its own.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db.models import Model

from qingshe.accounts.models import ConsentRecord, StudentProfile, User
from qingshe.core.models import AuditEvent
from qingshe.core.tests.faults import FaultDB, fault_db, kill, wait_for
from qingshe.duty.models import SignUp
from qingshe.imports import samples, services
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes
from qingshe.needs.models import DispatchPlan, Need, NeedAssignment
from qingshe.needs.services import dispatch as ds
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at
from qingshe.orgs.models import Membership, Organisation

dsp = dispatch_setup.dsp  # the fixtures
__all__ = ["dsp", "fault_db"]
STUDENTS = 12


def _ids(model: type[Model]) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def snapshot() -> dict[str, Any]:
    """What the database holds, table by table (the rows' ids), and every need's state."""
    tables: list[type[Model]] = [
        User,
        StudentProfile,
        Membership,
        ConsentRecord,
        Organisation,
        AuditEvent,
        NeedAssignment,
        SignUp,
    ]
    out: dict[str, Any] = {m._meta.label: _ids(m) for m in tables}
    out["needs"] = dict(Need.objects.values_list("pk", "state"))
    out["plans"] = dict(DispatchPlan.objects.values_list("pk", "state"))
    return out


def test_import_killed_while_saving_leaves_the_database_as_before(
    fault_db: FaultDB, city: SimpleNamespace, tmp_path: Path
) -> None:
    job = services.import_start(
        actor=city.league_admin,
        upload=upload(workbook_bytes(students=rows(STUDENTS))),
        enqueue=False,
    )
    before = snapshot()
    fault_db.push()
    signal_file = tmp_path / "paused.json"
    child = fault_db.start("pause_import", job.pk, str(signal_file))
    seen = wait_for(signal_file, child)
    # Inside its transaction the child has written every student, profile and membership.
    assert seen["in_transaction"] is True
    assert seen["users"] == len(before["accounts.User"]) + STUDENTS
    assert seen["profiles"] == len(before["accounts.StudentProfile"]) + STUDENTS
    assert kill(child) == -9
    fault_db.pull()
    assert snapshot() == before
    job.refresh_from_db()
    assert job.state == ImportJob.State.WRITING and job.students_created == 0
    # A plain second run leaves a job another runner holds alone; run again after the worker
    # died (the task's second attempt), it imports the roster, once.
    assert services.import_run(job_id=job.pk).state == ImportJob.State.WRITING
    job = services.import_run(job_id=job.pk, resume=True)
    assert job.state == ImportJob.State.DONE and job.students_created == STUDENTS, job.problem_code
    phones = {samples.phone(i) for i in range(STUDENTS)}
    assert User.objects.filter(phone__in=phones).count() == STUDENTS
    assert StudentProfile.objects.filter(user__phone__in=phones).count() == STUDENTS
    after = snapshot()
    assert len(after["accounts.User"]) == len(before["accounts.User"]) + STUDENTS


def test_plan_application_killed_leaves_the_database_as_before(
    fault_db: FaultDB, dsp: SimpleNamespace, tmp_path: Path
) -> None:
    d, c = dsp, dsp.city
    start = at(d.monday, "00:00")
    plan = ds.dispatch_plan_create(
        actor=d.dispatcher,
        scope=c.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
    )
    lines = plan.lines.filter(included=True).count()
    assert lines >= 1
    before = snapshot()
    assert before["plans"][plan.pk] == DispatchPlan.State.PROPOSED
    fault_db.push()
    signal_file = tmp_path / "paused.json"
    child = fault_db.start("pause_plan", plan.pk, d.dispatcher.pk, str(signal_file))
    seen = wait_for(signal_file, child)
    assert seen == {"assignments": lines, "plan_state": "applied", "in_transaction": True}
    assert kill(child) == -9
    fault_db.pull()
    assert snapshot() == before
    # Applied again, by the same dispatcher: the offers are made, once.
    offers = ds.dispatch_plan_apply(actor=d.dispatcher, plan=DispatchPlan.objects.get(pk=plan.pk))
    assert len(offers) == lines == NeedAssignment.objects.filter(plan=plan).count()
    assert DispatchPlan.objects.get(pk=plan.pk).state == DispatchPlan.State.APPLIED

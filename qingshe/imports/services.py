"""Importing a roster: organisations and students from an .xlsx workbook.

`import_start` checks who asks and looks at the file (imports.files with imports.xlsx: is it an
.xlsx, which sheets, are the required columns in row 1, no formula or merged cell there, not more
rows than the limit); a file that fails is refused at once and nothing is stored. Otherwise the file is stored
under MEDIA_ROOT, an ImportJob is created and the task `imports.tasks.run_import` enqueued.

`import_run` (the task, and the CLI) works in two phases:

1. checking: the workbook is streamed with openpyxl in read-only mode, organisations sheet
   first; every row is checked (imports.validation) and every error stored with its row and
   column. Progress is saved every chunk, so the job page shows it.
2. saving (imports.writer), only if there is something to save: by default only when there is
   no error at all (all or nothing); with `valid_only`, the rows without errors. Everything is
   written in ONE transaction through the services of orgs and accounts (org_create,
   users_bulk_create, student_profiles_bulk_create, memberships_bulk_grant: the same rules and
   audit as everywhere), so a failure half-way leaves nothing behind. One import saves at a
   time, and it checks its people again first: an import that saved the same students while
   this one was checking makes it reject the file (all or nothing) with the usual row errors,
   or, with `valid_only`, leave those rows out (imports.writer.taken_meanwhile).

Rows with errors are copied into an error file (the same columns plus an explanation) for the
uploader to correct. The uploaded file, which holds ID numbers in clear, is deleted when the job
ends. On SQLite the saving phase holds the database's write lock for its duration (45 s for
100,000 students on the 2-core machine of `make bench`, key "import"); big imports belong
off-hours there, or on PostgreSQL, where saving progress is also shown live (through a second
connection).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qingshe.accounts.models import User
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ServiceError
from qingshe.core.notify import notify
from qingshe.imports import writer
from qingshe.imports.columns import ORGS, STUDENTS, match_header
from qingshe.imports.directory import Lookup, load_existing
from qingshe.imports.files import FileProblem, Limits, inspect, limits, open_workbook
from qingshe.imports.models import ImportJob
from qingshe.imports.validation import ErrorSink, Layout, OrgSheet, StudentSheet, is_blank_row
from qingshe.orgs.models import Organisation, Role

logger = logging.getLogger(__name__)

# Who may import: league committee admins under their subtree, university admins under their
# university. Each row is then checked against the importer's own subtrees.
IMPORT_ROLES = frozenset({Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN})
CHECK_CHUNK = 1000
PROGRESS_EVERY_SECONDS = 0.5
__all__ = [
    "FileProblem",
    "Limits",
    "can_import",
    "import_run",
    "import_start",
    "imports_purge",
    "inspect",
    "limits",
]


def can_import(user: Any) -> bool:
    return access.is_platform_staff(user) or access.has_role(user, IMPORT_ROLES)


# --- starting -----------------------------------------------------------------------------------
@transaction.atomic
def import_start(
    *,
    actor: User | None,
    upload: File,
    valid_only: bool = False,
    language: str | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Check the file and queue its import. `actor` None is the system (the CLI without --as):
    everything is in scope, like the demo builder."""
    if actor is not None and not can_import(actor):
        raise AccessDenied(
            "forbidden", _("Only league committee and university league admins can import rosters.")
        )
    if upload is None:
        raise FileProblem("file_required").as_service_error()
    limit = limits()
    size = upload.size or 0
    if size > limit.max_bytes:
        raise FileProblem("file_too_big", limit=limit.max_bytes // (1024 * 1024)).as_service_error()
    try:
        sheets = inspect(upload, max_rows=limit.max_rows)
    except FileProblem as problem:
        raise problem.as_service_error() from problem
    upload.seek(0)
    name = os.path.basename(upload.name or "roster.xlsx")[:200]
    job = ImportJob(
        created_by=actor if getattr(actor, "pk", None) else None,
        original_name=name,
        size_bytes=size,
        valid_only=valid_only,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        sheets=sheets,
        rows_total=sum(s["rows"] for s in sheets),
    )
    job.file.save(name, upload, save=False)
    job.save()
    audit(
        actor=actor,
        action="import.start",
        obj=job,
        data={
            "kind": job.kind,
            "size": size,
            "rows": job.rows_total,
            "valid_only": valid_only,
            "sheets": [s["kind"] for s in sheets],
        },
    )
    if enqueue:
        from qingshe.imports.tasks import run_import

        job_id = job.pk
        transaction.on_commit(lambda: run_import.enqueue(job_id=job_id))
    return job


# --- progress -----------------------------------------------------------------------------------
PROGRESS_FIELDS = (
    "state",
    "rows_read",
    "rows_valid",
    "rows_to_write",
    "rows_written",
    "error_count",
    "error_rows",
)


class Progress:
    """Saves the job's counters at most every PROGRESS_EVERY_SECONDS and calls `callback` (the
    CLI's progress bar) at every step. Inside the saving transaction other connections cannot
    see the job's row change: on PostgreSQL the counters go through a second connection; on
    SQLite, whose single writer is this transaction, they are shown when it ends."""

    def __init__(self, job: ImportJob, callback: Callable[[ImportJob], None] | None) -> None:
        self.job = job
        self.callback = callback
        self.last = 0.0
        self.side: Any = None

    def __call__(self, *, force: bool = False, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self.job, name, value)
        if self.callback is not None:
            self.callback(self.job)
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        values = {name: getattr(self.job, name) for name in PROGRESS_FIELDS}
        if (
            self.job.state == ImportJob.State.WRITING
            and connection.vendor == "postgresql"
            and connection.in_atomic_block
        ):
            self._side_update(values)
            return
        ImportJob.objects.filter(pk=self.job.pk).update(**values)

    def _side_update(self, values: dict[str, Any]) -> None:
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            quote = self.side.ops.quote_name
            meta = ImportJob._meta
            sets = ", ".join(f"{quote(meta.get_field(k).column)} = %s" for k in values)
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s",  # noqa: S608
                    [*values.values(), self.job.pk],
                )
        except DatabaseError:
            logger.warning("import %s: progress not shown (second connection failed)", self.job.pk)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


# --- running ------------------------------------------------------------------------------------
def _scope_queryset(actor: User | None) -> Any:
    qs = Organisation.objects.all()
    if actor is None or access.is_platform_staff(actor):
        return qs
    return qs.filter(access.subtree_q(actor, IMPORT_ROLES))


def _finish(job: ImportJob, progress: Progress, state: str, **fields: Any) -> ImportJob:
    for name, value in fields.items():
        setattr(job, name, value)
    job.state = state
    job.finished_at = timezone.now()
    if job.file:
        # The upload holds ID numbers in clear: it is kept only while the job runs.
        job.file.delete(save=False)
    job.save()
    progress.close()
    if progress.callback is not None:
        progress.callback(job)
    audit(
        actor=job.created_by,
        action="import.finish",
        obj=job,
        data={
            "state": state,
            "rows": job.rows_read,
            "orgs_created": job.orgs_created,
            "students_created": job.students_created,
            "errors": job.error_count,
            "problem": job.problem_code,
        },
    )
    if job.created_by is not None:
        url = reverse("imports:job", args=[job.pk])
        imported = job.students_created
        notify(
            users=[job.created_by],
            kind="imports.finished",
            title=(lambda: _("Roster imported: %(n)s students") % {"n": imported})
            if state == ImportJob.State.DONE
            else (lambda: _("Roster not imported: see the errors")),
            url=url,
        )
    return job


# What a job reports after its saving transaction was rolled back.
NOTHING_SAVED = {"rows_written": 0, "orgs_created": 0, "students_created": 0}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a job runs (reference counting still frees
    everything as usual). The checked rows stay in memory until the saving, and each chunk
    creates thousands of objects that live for the chunk: with the collector on, CPython
    scans the whole heap again and again (100,000 students: ~90 full collections, a quarter of
    the import's CPU time in `make bench`), finding nothing to free. A job creates no garbage
    cycles of its own to speak of; whatever there is goes at the next collection after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# A job whose runner died: checking or saving, never finished. Its saving transaction was rolled
# back with the dead connection; what the checking stored (row errors, counters) is started again.
INTERRUPTED = (ImportJob.State.VALIDATING, ImportJob.State.WRITING)
RESTART_FIELDS = {
    "rows_read": 0,
    "rows_valid": 0,
    "rows_to_write": 0,
    "rows_written": 0,
    "orgs_created": 0,
    "orgs_existing": 0,
    "students_created": 0,
    "error_count": 0,
    "error_rows": 0,
}


def import_run(
    *,
    job_id: int,
    on_progress: Callable[[ImportJob], None] | None = None,
    resume: bool = False,
) -> ImportJob:
    """Run a queued job to its end (the task's body; the CLI calls it directly). `resume`: the
    task is run again after its worker died (the task queue's reaper re-queued it), so a job
    left checking or saving by that worker is run again from the start."""
    states = (ImportJob.State.QUEUED, *INTERRUPTED) if resume else (ImportJob.State.QUEUED,)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        claimed = job.state in states
        if claimed:
            if job.state in INTERRUPTED:
                logger.warning("import %s: run again after its worker stopped", job.pk)
                job.row_errors.all().delete()
                if job.error_file:
                    job.error_file.delete(save=False)
                ImportJob.objects.filter(pk=job.pk).update(error_file="", **RESTART_FIELDS)
            ImportJob.objects.filter(pk=job.pk).update(
                state=ImportJob.State.VALIDATING, started_at=timezone.now()
            )
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job  # run already (a task delivered twice)
    progress = Progress(job, on_progress)
    with translation.override(job.language), _collector_paused():
        try:
            return _run(job, progress)
        except FileProblem as problem:
            return _finish(
                job,
                progress,
                ImportJob.State.REJECTED,
                problem_code=problem.code,
                problem_params=problem.params,
            )
        except Conflict:
            return _finish(
                job,
                progress,
                ImportJob.State.FAILED,
                problem_code="changed_meanwhile",
                problem_params={},
                **NOTHING_SAVED,
            )
        except ServiceError as exc:
            return _finish(
                job,
                progress,
                ImportJob.State.FAILED,
                problem_code="service_error",
                problem_params={"message": str(exc.message)},
                **NOTHING_SAVED,
            )
        except Exception:
            logger.exception("import %s failed", job.pk)
            return _finish(
                job,
                progress,
                ImportJob.State.FAILED,
                problem_code="internal",
                problem_params={},
                **NOTHING_SAVED,
            )


def _data_rows(
    rows: Iterator[tuple[Any, ...]], layout: Layout, max_rows: int
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the rows to check: not blank, not a template example, at most
    `max_rows` of them (the upload's look counted them; this holds whatever the file says)."""
    count = 0
    for number, values in enumerate(rows, start=2):
        if is_blank_row(values) or layout.is_example(values):
            continue
        count += 1
        if count > max_rows:
            raise FileProblem("too_many_rows", sheet=layout.title, limit=max_rows)
        yield number, values


def _check(
    job: ImportJob, progress: Progress, sink: ErrorSink
) -> tuple[OrgSheet | None, StudentSheet | None, int]:
    """Phase 1: stream the workbook, organisations sheet first, and check every row."""
    limit = limits()
    existing = load_existing(_scope_queryset(job.created_by))
    plans = {sheet["kind"]: sheet for sheet in job.sheets}
    orgs: OrgSheet | None = None
    students: StudentSheet | None = None
    read = 0
    workbook = open_workbook(job)
    try:
        for kind in (ORGS, STUDENTS):
            plan = plans.get(kind)
            if plan is None:
                continue
            rows = workbook[plan["title"]].iter_rows(values_only=True)
            header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
            match = match_header(kind, header)
            if match.missing:
                columns = "、".join(c.header for c in match.missing)
                raise FileProblem("missing_columns", sheet=plan["title"], columns=columns)
            layout = Layout.build(kind, plan["title"], match.positions, header, plan["merged"])
            sink.layouts[kind] = layout
            if kind == ORGS:
                orgs = OrgSheet(existing=existing, layout=layout, sink=sink)
                for number, values in _data_rows(rows, layout, limit.max_rows):
                    orgs.add_row(number, values)
                    read += 1
                orgs.check()
            else:
                lookup = orgs.lookup if orgs is not None else Lookup(existing)
                students = StudentSheet(
                    lookup=lookup, layout=layout, sink=sink, today=timezone.localdate()
                )
                chunk: list[tuple[int, tuple[Any, ...]]] = []
                for row in _data_rows(rows, layout, limit.max_rows):
                    chunk.append(row)
                    read += 1
                    if len(chunk) >= CHECK_CHUNK:
                        students.check_chunk(chunk)
                        chunk = []
                        progress(rows_read=read, error_count=sink.count, error_rows=sink.error_rows)
                if chunk:
                    students.check_chunk(chunk)
            progress(rows_read=read, error_count=sink.count, error_rows=sink.error_rows)
    finally:
        sink.flush()
        workbook.close()
        job.file.close()
    return orgs, students, read


def _run(job: ImportJob, progress: Progress) -> ImportJob:
    sink = ErrorSink(job, cap=limits().max_errors)
    orgs, students, read = _check(job, progress, sink)
    records = students.valid_records() if students is not None else []
    new_orgs = orgs.to_create() if orgs is not None else []
    job.orgs_existing = orgs.existing_rows if orgs is not None else 0
    progress(
        force=True,
        rows_read=read,
        rows_valid=len(records) + len(new_orgs) + job.orgs_existing,
        error_count=sink.count,
        error_rows=sink.error_rows,
    )
    if read == 0:
        raise FileProblem("no_rows")
    if sink.count:
        writer.write_error_file(job, sink)
        if not job.valid_only or not (records or new_orgs):
            return _finish(job, progress, ImportJob.State.REJECTED)
    # Phase 2.
    progress(force=True, state=ImportJob.State.WRITING, rows_to_write=len(records) + len(new_orgs))
    try:
        taken = writer.write_all(
            job, actor=job.created_by, new_orgs=new_orgs, records=records, progress=progress
        )
    except writer.TakenMeanwhile as exc:
        _report_taken(job, sink, exc.taken)
        return _finish(job, progress, ImportJob.State.REJECTED, **NOTHING_SAVED)
    if taken:
        _report_taken(job, sink, taken)
    return _finish(job, progress, ImportJob.State.DONE)


def _report_taken(job: ImportJob, sink: ErrorSink, taken: list[writer.Taken]) -> None:
    """Rows another import registered while this one was checking: row errors like any
    duplicate of a registered person (the same messages), and in the error file."""
    rows = {record.row for record, *_rest in taken}
    for record, key, code, params in taken:
        sink.add(STUDENTS, record.row, key, code, **params)
    sink.flush()
    job.rows_valid = max(job.rows_valid - len(rows), 0)
    job.error_count, job.error_rows = sink.count, sink.error_rows
    if job.error_file:  # valid_only with errors found in phase 1: the file is written again
        job.error_file.delete(save=False)
    writer.write_error_file(job, sink)


# --- housekeeping -------------------------------------------------------------------------------
def imports_purge(*, older_than_days: int = 30) -> int:
    """Delete the error files of jobs finished more than `older_than_days` ago (they hold the
    rejected rows' personal data); the jobs and their error lists stay. Returns how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    count = 0
    for job in ImportJob.objects.filter(finished_at__lt=cutoff).exclude(error_file=""):
        job.error_file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(error_file="")
        count += 1
    if count:
        audit(
            actor=None,
            action="import.purge",
            data={"error_files": count, "older_than_days": older_than_days},
        )
    return count

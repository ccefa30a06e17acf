"""Saving what the checks passed, in one transaction, through the services of orgs and accounts
(orgs_bulk_create, users_bulk_create, student_profiles_bulk_create, memberships_bulk_grant: the
same rules as everywhere); and the error file of the rows that did not pass."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.models import User
from qingshe.accounts.services import (
    NewPerson,
    NewStudentProfile,
    generate_volunteer_nos,
    id_number_digest,
    rows_where_in,
    student_profiles_bulk_create,
    users_bulk_create,
)
from qingshe.imports.columns import ORGS, STUDENTS
from qingshe.imports.directory import Node
from qingshe.imports.files import open_workbook
from qingshe.imports.messages import render
from qingshe.imports.models import ImportJob
from qingshe.imports.selectors import identifiers_taken
from qingshe.imports.validation import ErrorSink, StudentRecord
from qingshe.orgs.models import Organisation, Role
from qingshe.orgs.services import NewOrg, memberships_bulk_grant, orgs_bulk_create

if TYPE_CHECKING:
    from qingshe.imports.services import Progress

WRITE_CHUNK = 5000
# SQLite page cache while saving, in KiB (the connection's default is 2 MB).
SQLITE_CACHE_KIB = 32 * 1024


@contextmanager
def _sqlite_cache() -> Iterator[None]:
    """On SQLite, a bigger page cache for the saving: the indexes that 100,000 new people,
    profiles and memberships go into (random keys: ID digests, volunteer numbers) outgrow the
    default 2 MB, and inserts then keep reading and writing the same pages (a third of the
    inserts' time). The connection's own size is restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before):d}")


# --- saving -------------------------------------------------------------------------------------
# One import saves at a time (PostgreSQL: this transaction-level advisory lock; SQLite's
# IMMEDIATE transactions queue writers already), so that the check below sees what an import
# running beside this one saved: two rosters sharing students cannot both save them.
SAVE_LOCK = "qingshe.imports.save"

# A row whose person or student number was registered after the checking phase read the
# database: (record, column key, message code, message parameters).
Taken = tuple[StudentRecord, str, str, dict[str, Any]]


class TakenMeanwhile(Exception):  # noqa: N818 - a signal to the caller, not an error
    """All or nothing, and rows were taken meanwhile: nothing saved, the rows are in `taken`."""

    def __init__(self, taken: list[Taken]) -> None:
        super().__init__(f"{len(taken)} rows registered meanwhile")
        self.taken = taken


def _lock_saving() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [SAVE_LOCK])


def taken_meanwhile(records: list[StudentRecord]) -> list[Taken]:
    """The records whose mobile number, ID number or student number (at their university) is in
    the database now: the checks of phase 1 ran before another import saved the same people."""
    digest_of = {
        id(r): id_number_digest(r.resident_id.number) for r in records if r.resident_id is not None
    }
    found = identifiers_taken(
        phones={r.phone for r in records if r.phone},
        id_digests=set(digest_of.values()),
        student_numbers={
            (r.university.id, r.student_no)
            for r in records
            if r.student_no and r.university is not None and r.university.in_database
        },
    )
    taken: list[Taken] = []
    for r in records:
        if r.phone and r.phone in found.phones:
            taken.append((r, "phone", "phone_taken", {}))
        if id(r) in digest_of and digest_of[id(r)] in found.id_digests:
            assert r.resident_id is not None
            taken.append((r, "id_number", "id_taken", {"masked": r.resident_id.masked}))
        u = r.university
        if (
            r.student_no
            and u is not None
            and u.in_database
            and (u.id, r.student_no) in found.student_numbers
        ):
            params = {"value": r.student_no, "university": u.name}
            taken.append((r, "student_no", "student_no_taken", params))
    return taken


def _volunteer_numbers(count: int, taken: set[str]) -> list[str]:
    """`count` fresh volunteer numbers, unique among themselves and in the database."""
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        batch: set[str] = set()
        while len(batch) < wanted:
            batch.update(n for n in generate_volunteer_nos(wanted - len(batch)) if n not in taken)
        clash = {n for (n,) in rows_where_in(User, ("volunteer_no",), "volunteer_no", batch)}
        fresh = [n for n in batch if n not in clash]
        taken.update(batch)
        numbers.extend(fresh)
    return numbers


def write_all(
    job: ImportJob,
    *,
    actor: User | None,
    new_orgs: list[Node],
    records: list[StudentRecord],
    progress: Progress,
) -> list[Taken]:
    """Save, in one transaction. Rows registered meanwhile (by an import that saved while this
    one was checking): all or nothing, TakenMeanwhile and nothing saved; with `valid_only` the
    others are saved, and the rows taken are returned for the error list."""
    source = f"import:{job.pk}"
    start = timezone.localdate()
    with _sqlite_cache(), transaction.atomic():
        _lock_saving()
        taken = taken_meanwhile(records)
        if taken and not job.valid_only:
            raise TakenMeanwhile(taken)
        if taken:
            dropped = {id(r) for r, *_rest in taken}
            records = [r for r in records if id(r) not in dropped]
            progress(force=True, rows_to_write=len(records) + len(new_orgs))
        in_db = {
            n.parent.real.id for n in new_orgs if n.parent is not None and n.parent.real.in_database
        }
        in_db |= {r.branch.real.id for r in records if r.branch.real.in_database}
        known = Organisation.objects.in_bulk(in_db)
        rows: dict[int, NewOrg] = {}
        for node in new_orgs:  # parents before children
            assert node.parent is not None
            parent = node.parent.real
            rows[node.id] = NewOrg(
                kind=node.kind,
                name=node.name,
                short_name=node.short_name,
                parent=known[parent.id] if parent.in_database else rows[parent.id],
            )
        created = dict(
            zip(rows, orgs_bulk_create(actor=actor, rows=list(rows.values())), strict=True)
        )
        written = len(created)
        progress(rows_written=written, orgs_created=len(created))

        def org_of(node: Node) -> Organisation:
            node = node.real
            return known[node.id] if node.in_database else created[node.id]

        drawn: set[str] = set()
        for i in range(0, len(records), WRITE_CHUNK):
            chunk = records[i : i + WRITE_CHUNK]
            numbers = _volunteer_numbers(len(chunk), drawn)
            users = users_bulk_create(
                actor=actor,
                people=[
                    # The ID number was parsed and checked row by row: not parsed again.
                    NewPerson(name=r.name, volunteer_no=n, phone=r.phone, resident_id=r.resident_id)
                    for r, n in zip(chunk, numbers, strict=True)
                ],
                # Each student consents to the notice at their first login; an admin cannot.
                consent_purposes=(),
                batch_size=WRITE_CHUNK,
                source=source,
            )
            branches = [org_of(r.branch) for r in chunk]
            student_profiles_bulk_create(
                actor=actor,
                rows=[
                    NewStudentProfile(
                        user=u,
                        branch=b,
                        major=r.major,
                        grade=r.grade,
                        student_no=r.student_no,
                        skills=list(r.skills),
                    )
                    for u, b, r in zip(users, branches, chunk, strict=True)
                ],
                batch_size=WRITE_CHUNK,
                source=source,
                returning=False,
            )
            memberships_bulk_grant(
                actor=actor,
                grants=[(u, b, Role.STUDENT) for u, b in zip(users, branches, strict=True)],
                start_date=start,
                batch_size=WRITE_CHUNK,
                source=source,
                returning=False,
            )
            written += len(chunk)
            progress(rows_written=written, students_created=job.students_created + len(chunk))
        progress(force=True, rows_written=written)
    return taken


# --- the error file -----------------------------------------------------------------------------
def write_error_file(job: ImportJob, sink: ErrorSink) -> None:
    """The rows with errors, as they were, with two more columns: what is wrong, and the row's
    number in the uploaded file."""
    from openpyxl import Workbook

    from qingshe.core.exports.writer import neutralise

    messages: dict[tuple[str, int], list[str]] = {}
    for error in job.row_errors.all().iterator(chunk_size=2000):
        where = (
            _("Column %(column)s (%(header)s): ") % {"column": error.column, "header": error.header}
            if error.column
            else ""
        )
        messages.setdefault((error.sheet, error.row), []).append(where + error.message)
    output = Workbook(write_only=True)
    workbook = open_workbook(job)
    try:
        for kind in (ORGS, STUDENTS):
            layout = sink.layouts.get(kind)
            bad = sink.rows[kind]
            if layout is None or not bad:
                continue
            sheet = output.create_sheet(title=layout.title[:31])
            width = len(layout.headers)
            sheet.append([*layout.headers, _("What to correct"), _("Row in the uploaded file")])
            rows = workbook[layout.title].iter_rows(min_row=2, values_only=True)
            for number, values in enumerate(rows, start=2):
                if number not in bad:
                    continue
                cells = list(values[:width]) + [None] * (width - len(values))
                # A text cell such as "=HYPERLINK(…)" would be written back as a live formula.
                cells = [neutralise(v) if isinstance(v, str) else v for v in cells]
                text = "；".join(
                    messages.get((kind, number), [render("too_many_errors", {"limit": sink.cap})])
                )
                sheet.append([*cells, text, number])
    finally:
        workbook.close()
        job.file.close()
    buffer = io.BytesIO()
    output.save(buffer)
    stem = os.path.splitext(job.original_name or "roster")[0][:80]
    job.error_file.save(f"{stem}-errors.xlsx", ContentFile(buffer.getvalue()), save=False)
    ImportJob.objects.filter(pk=job.pk).update(error_file=job.error_file.name)

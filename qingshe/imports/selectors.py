"""Reads of imports that depend on who asks: a job is seen only by the person who started it
(and platform staff); anyone else gets the same NotFound as for a job that does not exist.

And the one read both phases of a roster import make of the people already registered
(`identifiers_taken`): the checks of each chunk, and the re-check just before saving."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from qingshe.accounts.models import StudentProfile, User
from qingshe.accounts.services import rows_where_in
from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.imports.models import ImportJob, ImportRowError


def import_get_for_user(*, user: Any, import_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=import_id).first()
    if job is None or not (
        access.is_platform_staff(user)
        or (job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None))
    ):
        raise NotFound("not_found", _("No such import."))
    return job


def imports_for_user(*, user: Any) -> QuerySet[ImportJob]:
    """The person's own imports, newest first."""
    return ImportJob.objects.filter(created_by_id=getattr(user, "pk", None)).order_by(
        "-created_at", "-pk"
    )


def import_errors(*, job: ImportJob) -> QuerySet[ImportRowError]:
    """A job's row errors in sheet, row and column order (the caller has the job already)."""
    return ImportRowError.objects.filter(job=job).order_by(
        "sheet_order", "row", "column_index", "pk"
    )


@dataclass(frozen=True, slots=True)
class TakenIdentifiers:
    """Which of the identifiers asked about belong to someone in the database already."""

    phones: set[str]
    id_digests: set[str]
    student_numbers: set[tuple[int, str]]  # (university id, student number)


def identifiers_taken(
    *,
    phones: Collection[str],
    id_digests: Collection[str],
    student_numbers: Collection[tuple[int, str]],
) -> TakenIdentifiers:
    """The mobile numbers, ID-number digests and student numbers (each at its university) among
    these that are registered: three look-ups (rows_where_in, in chunks), the last one only when
    student numbers are asked about. Not scoped to who asks: a roster may not repeat anyone's
    phone or ID, wherever they belong, and only the rows' own values come back."""
    taken_phones = {v for (v,) in rows_where_in(User, ("phone",), "phone", phones)}
    taken_digests = {
        v for (v,) in rows_where_in(User, ("id_number_digest",), "id_number_digest", id_digests)
    }
    taken_numbers: set[tuple[int, str]] = set()
    if student_numbers:
        taken_numbers = set(
            rows_where_in(
                StudentProfile,
                ("university_id", "student_no"),
                "student_no",
                {n for _u, n in student_numbers},
                among={"university_id": {u for u, _n in student_numbers}},
            )
        )
    return TakenIdentifiers(
        phones=taken_phones, id_digests=taken_digests, student_numbers=taken_numbers
    )

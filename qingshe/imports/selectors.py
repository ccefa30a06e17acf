"""Reads of imports that depend on who asks: a job is seen only by the person who started it
(and platform staff); anyone else gets the same NotFound as for a job that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

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

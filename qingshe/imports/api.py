"""API: roster imports. `POST /imports` takes an .xlsx (multipart `file`, optional `valid_only`)
and answers 202 with the queued job; `GET /imports/{id}` its progress, counts, file-level problem
and first errors; `GET /imports/{id}/errors` every error by row and column, paginated;
`GET /imports/{id}/error-file` the rows with errors as an .xlsx.

A file that cannot be imported at all is refused at once with 422 and the problem's code
(`not_xlsx`, `xls_file`, `unreadable`, `no_sheet`, `missing_columns`, `title_row`,
`header_formula`, `header_merged`, `duplicate_column`, `two_sheets`, `too_many_rows`, `no_rows`,
`file_too_big`); nothing is stored. Only league committee and university league admins import
(403 `forbidden`); a job is seen only by the person who started it (404 `not_found`).
"""

# No `from __future__ import annotations` here: ninja resolves the parameter types at runtime.
from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import NotFound
from qingshe.imports import selectors, services
from qingshe.imports.models import ImportJob, ImportRowError

router = Router(tags=["imports"])
FIRST_ERRORS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportErrorOut(Schema):
    sheet: str = Field(..., description="`orgs` or `students`.")
    sheet_title: str = Field(..., description="The sheet's name in the file.")
    row: int = Field(..., description="The row number in the sheet (row 1 holds the column names).")
    column: str = Field(
        ..., description="The column letter (`C`); empty for an error of the whole row."
    )
    header: str = Field(..., description="The column's name in the file (`身份证号`).")
    code: str = Field(
        ...,
        description="A stable code, e.g. `id_checksum`, `duplicate_in_file`, `unknown_department`.",
    )
    message: str = Field(
        ..., description="What is wrong, in the request's language. ID numbers appear masked."
    )

    @staticmethod
    def resolve_message(obj: ImportRowError) -> str:
        return obj.message


class ImportOut(Schema):
    id: int
    kind: str = Field(..., description="`roster`: organisations and students.")
    state: str = Field(
        ...,
        description="`queued`, `validating`, `writing`, `done`, `rejected` (errors; nothing written) or `failed` (stopped; nothing written).",
    )
    state_label: str
    file_name: str
    valid_only: bool = Field(
        ...,
        description="True: the valid rows are imported, the others listed. False: all or nothing.",
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    percent: int | None = Field(
        None,
        description="0–100 (checking is the first half, saving the second); null while unknown.",
    )
    rows_total: int | None
    rows_read: int
    rows_valid: int
    rows_to_write: int
    rows_written: int
    students_created: int
    orgs_created: int
    orgs_existing: int = Field(
        ..., description="Organisation rows naming one that already existed (used as it is)."
    )
    error_count: int
    error_rows: int
    problem: str = Field(
        ..., description="The code of a problem with the file as a whole, or empty."
    )
    problem_detail: str = Field(
        ..., description="That problem explained, in the request's language."
    )
    errors_url: str
    error_file_url: str | None = Field(
        None, description="The rows with errors as an .xlsx, once the job has ended."
    )
    first_errors: list[ImportErrorOut] = Field(
        ..., description=f"The first {FIRST_ERRORS} errors (all: `errors_url`)."
    )


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "file_name": job.original_name,
        "valid_only": job.valid_only,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "percent": job.percent,
        "rows_total": job.rows_total,
        "rows_read": job.rows_read,
        "rows_valid": job.rows_valid,
        "rows_to_write": job.rows_to_write,
        "rows_written": job.rows_written,
        "students_created": job.students_created,
        "orgs_created": job.orgs_created,
        "orgs_existing": job.orgs_existing,
        "error_count": job.error_count,
        "error_rows": job.error_rows,
        "problem": job.problem_code,
        "problem_detail": job.problem,
        "errors_url": reverse("api-v1:import_errors", args=[job.pk]),
        "error_file_url": reverse("api-v1:import_error_file", args=[job.pk])
        if job.error_file
        else None,
        "first_errors": list(selectors.import_errors(job=job)[:FIRST_ERRORS]),
    }


@router.post(
    "/imports",
    response={202: ImportOut, **error_responses(401, 403, 422)},
    summary="Import a roster (multipart: `file`, `valid_only`)",
)
def import_create(
    request: HttpRequest, file: File[UploadedFile], valid_only: Form[bool] = False
) -> Any:
    """Check the workbook and queue its import: 202 with the job, to poll with
    `GET /imports/{id}`. A file that cannot be imported is refused with 422 and nothing is
    stored; row errors are found by the job and listed there."""
    job = services.import_start(actor=_user(request), upload=file, valid_only=valid_only)
    job.refresh_from_db()  # the immediate backend may have run it already
    return Status(202, _out(job))


@router.get(
    "/imports/{import_id}",
    response={200: ImportOut, **error_responses(401, 404)},
    summary="One import: progress, counts, first errors",
)
def import_get(request: HttpRequest, import_id: int) -> Any:
    return _out(selectors.import_get_for_user(user=_user(request), import_id=import_id))


@router.get(
    "/imports/{import_id}/errors",
    response={200: list[ImportErrorOut], **error_responses(401, 404, 422)},
    summary="The errors of an import, by sheet, row and column",
    url_name="import_errors",
)
@paginate
def import_errors(request: HttpRequest, import_id: int) -> Any:
    job = selectors.import_get_for_user(user=_user(request), import_id=import_id)
    return selectors.import_errors(job=job)


@router.get(
    "/imports/{import_id}/error-file",
    response={200: None, **error_responses(401, 404)},
    summary="The rows with errors as an .xlsx (their values and what to correct)",
    url_name="import_error_file",
    openapi_extra={
        "responses": {
            200: {
                "description": "An .xlsx workbook.",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def import_error_file(request: HttpRequest, import_id: int) -> Any:
    job = selectors.import_get_for_user(user=_user(request), import_id=import_id)
    if not job.error_file:
        raise NotFound("not_found", _("This import has no error file."))
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=job.error_file_name,
        content_type=XLSX,
    )

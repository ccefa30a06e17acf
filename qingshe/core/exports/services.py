"""Exporting a list: at once for a small list, as a background job for a large one."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core.audit import audit
from qingshe.core.errors import ValidationFailed
from qingshe.core.exports import registry
from qingshe.core.exports.models import ExportJob
from qingshe.core.exports.writer import write_xlsx

KEEP_DAYS = 7  # exported files hold personal data: deleted after a week (export_purge)
SYNC_LIMIT = 2000  # rows written during the request; above, a background job
MAX_ROWS = 200_000  # above, the person is asked to narrow the filter
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMAT = "xlsx"  # the one format lists are exported to


def requested(request: HttpRequest) -> bool:
    """The person asked for an export, in any format (respond() answers one it does not make
    with a message rather than silently showing the page)."""
    return "export" in request.GET


def back_to_page(request: HttpRequest, message: str) -> HttpResponse:
    """The page itself, its filters kept and no export, with `message` shown as an error."""
    from django.contrib import messages

    messages.error(request, message)
    query = request.GET.copy()
    query.pop("export", None)
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def filename(spec: registry.ExportSpec) -> str:
    return f"{spec.title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def _ids(rows: Iterable[Any] | QuerySet[Any]) -> list[int]:
    if isinstance(rows, QuerySet):
        return list(rows.values_list("pk", flat=True)[: MAX_ROWS + 1])
    return [r.pk for r in rows]


def rows_in_order(spec: registry.ExportSpec, ids: list[int], chunk: int = 1000) -> Iterator[Any]:
    """The objects of `ids`, in that order, loaded a chunk at a time with the spec's joins."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        found = {o.pk: o for o in spec.prepare(spec.model.objects.filter(pk__in=part))}
        yield from (found[i] for i in part if i in found)


def _xlsx_bytes(
    spec: registry.ExportSpec, rows: Iterable[Any], user: Any, **kw: Any
) -> tuple[bytes, int]:  # kw: write_xlsx's progress and params
    out = io.BytesIO()
    n = write_xlsx(spec, rows, user=user, out=out, **kw)
    return out.getvalue(), n


def export_start(
    *,
    actor: Any,
    spec_name: str,
    rows: Iterable[Any] | QuerySet[Any],
    params: dict[str, Any] | None = None,
) -> tuple[ExportJob | None, bytes, int]:
    """Export the rows a page shows (`params`: what else the page showed them for, see
    registry.ExportContext). Small: the file's bytes now (no job). Large: a queued job.
    Refuses more than MAX_ROWS before writing anything."""
    spec = registry.get(spec_name)
    ids = _ids(rows)
    if len(ids) > MAX_ROWS:
        raise ValidationFailed(
            "export_too_large",
            _("This list has more than %(max)d rows. Narrow the filter and export again.")
            % {"max": MAX_ROWS},
        )
    if len(ids) <= SYNC_LIMIT:
        data, n = _xlsx_bytes(spec, rows_in_order(spec, ids), actor, params=params)
        audit(actor=actor, action="export.download", data={"list": spec_name, "rows": n})
        return None, data, n
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor, spec=spec_name, row_ids=ids, total=len(ids), params=params or {}
        )
        audit(
            actor=actor, action="export.queue", obj=job, data={"list": spec_name, "rows": len(ids)}
        )
        from qingshe.core.exports.tasks import run_export

        transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job, b"", len(ids)


def export_run(*, job_id: int) -> ExportJob:
    """Write a queued job's file (the worker). A second delivery finds it no longer queued."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != ExportJob.State.QUEUED:
            return job  # type: ignore[return-value]
        job.state = ExportJob.State.RUNNING
        job.save(update_fields=["state"])
    spec = registry.get(job.spec)
    user = job.requested_by

    def progress(n: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=n)

    try:
        data, n = _xlsx_bytes(
            spec, rows_in_order(spec, job.row_ids), user, progress=progress, params=job.params
        )
    except Exception as exc:  # noqa: BLE001 - the page must show the failure, not spin forever
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, error=type(exc).__name__, finished_at=timezone.now()
        )
        raise
    job.file.save(filename(spec), ContentFile(data), save=False)
    job.state, job.done, job.finished_at = ExportJob.State.DONE, n, timezone.now()
    job.row_ids = []  # no longer needed
    job.save(update_fields=["file", "state", "done", "finished_at", "row_ids"])
    return job


def export_purge(*, older_than_days: int = KEEP_DAYS) -> int:
    """Delete finished or failed jobs older than `older_than_days`, with their files."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = ExportJob.objects.filter(created_at__lt=cutoff).exclude(
        state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING]
    )
    n = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        n += 1
    return n


def respond(
    request: HttpRequest,
    spec_name: str,
    rows: Iterable[Any] | QuerySet[Any],
    params: dict[str, Any] | None = None,
) -> HttpResponse:
    """The view hook: the file, or a redirect to the job's page, or the page with the error
    (a format other than .xlsx, too many rows)."""
    if request.GET.get("export") != FORMAT:
        return back_to_page(
            request, _("Lists are exported to Excel (.xlsx) only; nothing was exported.")
        )
    spec = registry.get(spec_name)
    try:
        job, data, _n = export_start(
            actor=request.user, spec_name=spec_name, rows=rows, params=params
        )
    except ValidationFailed as exc:
        return back_to_page(request, str(exc.message))
    if job is not None:
        return redirect("core:export_job", pk=job.pk)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = _disposition(filename(spec))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"

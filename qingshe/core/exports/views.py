"""Pages of a background export: its progress (polled by htmx) and the download. Only the
person who asked sees a job; anyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from qingshe.core.exports import registry
from qingshe.core.exports.models import ExportJob
from qingshe.core.exports.services import XLSX, _disposition


def _job(request: HttpRequest, pk: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk, requested_by_id=request.user.pk).first()
    if job is None:
        raise Http404(_("This export does not exist."))
    return job


def _context(job: ExportJob) -> dict[str, object]:
    try:
        title = registry.get(job.spec).title
    except KeyError:
        title = job.spec
    percent = int(job.done * 100 / job.total) if job.total else 100
    return {
        "job": job,
        "title": title,
        "percent": percent,
        "finished": job.state in ("done", "failed"),
    }


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "core/exports/job.html", _context(_job(request, pk)))


@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "core/exports/job.html#status", _context(_job(request, pk)))


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404(_("This export is not ready."))
    response = FileResponse(job.file.open("rb"), content_type=XLSX)
    response["Content-Disposition"] = _disposition(job.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response

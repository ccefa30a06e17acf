"""Pages of roster imports: upload (with the template and the person's recent imports), the job
page (progress polled every second with htmx while the job runs, then the counts and the errors
by row and column, paginated), the error file and the template. Every write goes through
imports.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.imports import selectors, services
from qingshe.imports.forms import UploadForm
from qingshe.imports.models import ImportJob
from qingshe.imports.template import template_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_SECONDS = 1
RECENT = 10


def _require_importer(request: HttpRequest) -> None:
    if not services.can_import(request.user):
        raise PermissionDenied(
            _("Only league committee and university league admins can import rosters.")
        )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if posted:
        status = 422
        if form.is_valid():
            try:
                job = services.import_start(
                    actor=request.user,  # type: ignore[arg-type]
                    upload=form.cleaned_data["file"],
                    valid_only=form.cleaned_data["valid_only"],
                )
            except AccessDenied as exc:
                raise PermissionDenied(str(exc.message)) from exc
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                return redirect("imports:job", job.pk)
    if not posted and exports.requested(request):
        return exports.respond(
            request, "imports.jobs", selectors.imports_for_user(user=request.user)
        )
    context = {
        "form": form,
        "recent": selectors.imports_for_user(user=request.user)[:RECENT],
        "limits": services.limits(),
    }
    return render_page(request, "imports/upload.html", context, status=status)


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, object]:
    errors = paginate(request, selectors.import_errors(job=job))
    return {
        "job": job,
        "errors": errors,
        "poll_seconds": POLL_SECONDS,
        "page_query": request.GET.get("page", ""),
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_or_404(selectors.import_get_for_user, user=request.user, import_id=pk)
    return render_page(request, "imports/job.html", _job_context(request, job), partial="status")


@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled part; without htmx, the whole page."""
    job = get_or_404(selectors.import_get_for_user, user=request.user, import_id=pk)
    return render_page(request, "imports/job.html", _job_context(request, job), partial="status")


@login_required
def error_file(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_or_404(selectors.import_get_for_user, user=request.user, import_id=pk)
    if not job.error_file:
        raise Http404(_("This import has no error file."))
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=job.error_file_name,
        content_type=XLSX,
    )


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    response = HttpResponse(template_bytes(max_rows=services.limits().max_rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("roster-template.xlsx"))
    return response

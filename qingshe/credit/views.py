"""Pages of credit: my volunteer record (hours with each entry's source, training, awards,
evaluations), my certificates (request, PDF), the public verification page, transcripts for a
student and for the stewards who look after them, a department's transcripts with the
background export, and the national-field exports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from qingshe.core import access
from qingshe.core.errors import ServiceError
from qingshe.core.exports import services as list_exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.core.page_cache import page_cache
from qingshe.credit import certificates, exports, selectors, services, transcript
from qingshe.credit.forms import AwardForm, CertificateForm, EvaluationForm, ExportForm, RevokeForm
from qingshe.credit.models import ExportJob
from qingshe.orgs import selectors as org_selectors


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- my record ----------------------------------------------------------------------------------
@page_cache
@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    record = selectors.record_of(user=request.user)
    return render_page(request, "credit/my_hours.html", {"record": record, "tab": "hours"})


# --- certificates -------------------------------------------------------------------------------
@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and list_exports.requested(request):
        return list_exports.respond(
            request, "credit.certificates", selectors.my_certificates(user=request.user)
        )
    form = CertificateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                cert = services.certificate_issue(
                    actor=request.user,
                    user=request.user,
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("Certificate %(number)s issued.") % {"number": cert.number}
                )
                return redirect("credit:certificates")
    context = {
        "form": form,
        "page": paginate(request, selectors.my_certificates(user=request.user)),
        "issued_for_others": selectors.certificates_issued_for_people(user=request.user).exclude(
            user=request.user
        )[:20],
        "tab": "certificates",
    }
    return render_page(request, "credit/certificates.html", context, status=status)


@login_required
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    cert = get_or_404(selectors.certificate_get_for_user, user=request.user, code=code)
    return _pdf(certificates.certificate_pdf(cert, base_url=_site(request)), f"{cert.number}.pdf")


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, code: str) -> HttpResponse:
    cert = get_or_404(selectors.certificate_get_for_user, user=request.user, code=code)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason."))
        return redirect("credit:person", pk=cert.user_id)
    try:
        services.certificate_revoke(
            actor=request.user, certificate=cert, reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Certificate %(number)s was revoked.") % {"number": cert.number}
        )
    return redirect("credit:person", pk=cert.user_id)


def _verify_rate(_group: str, _request: HttpRequest) -> str:
    return settings.QINGSHE_RATE_LIMITS["certificate_verify"]


@ratelimit(key="ip", rate=_verify_rate, block=False)
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public (no login): whether the certificate is genuine, what it states, whether revoked."""
    if getattr(request, "limited", False):
        return render_page(
            request, "credit/verify.html", {"limited": True, "code": code}, status=429
        )
    result = selectors.certificate_verify(code=code)
    status = 200 if result.certificate is not None else 404
    response = render_page(
        request, "credit/verify.html", {"result": result, "code": result.code}, status=status
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- transcripts --------------------------------------------------------------------------------
@login_required
def my_transcript(request: HttpRequest) -> HttpResponse:
    return _transcript_page(request, request.user, mine=True)


@login_required
def my_transcript_pdf(request: HttpRequest) -> HttpResponse:
    t = transcript.transcript_of(request.user)
    return _pdf(transcript.transcript_pdf(t), f"transcript-{request.user.volunteer_no}.pdf")


def _transcript_page(
    request: HttpRequest, person: Any, *, mine: bool, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "t": transcript.transcript_of(person),
        "person": person,
        "mine": mine,
        "tab": "transcript" if mine else "",
        **extra,
    }
    return render_page(request, "credit/transcript.html", context, status=status)


@login_required
def person_record(request: HttpRequest, pk: int) -> HttpResponse:
    """A steward's view of one person: transcript and record; admins add awards, evaluations and
    issue or revoke certificates."""
    person = get_or_404(selectors.person_get_for_viewer, viewer=request.user, person_id=pk)
    return _person_page(request, person)


def _person_page(
    request: HttpRequest, person: Any, status: int = 200, **forms: Any
) -> HttpResponse:
    admin = services.may_administer(request.user, person)
    context = {
        "record": selectors.record_of(user=person, limit=100),
        "certificates": selectors.my_certificates(user=person)[:20],
        "admin": admin,
        "award_form": forms.get("award_form") or (AwardForm() if admin else None),
        "evaluation_form": forms.get("evaluation_form") or (EvaluationForm() if admin else None),
        "certificate_form": forms.get("certificate_form")
        or (CertificateForm(prefix="cert") if admin else None),
        "revoke_form": RevokeForm() if admin else None,
        "recording_orgs": _recording_orgs(request.user, person) if admin else [],
    }
    return _transcript_page(
        request, person, mine=request.user.pk == person.pk, status=status, **context
    )


def _recording_orgs(actor: Any, person: Any) -> list[Any]:
    """Where the admin records for this person: the admin's own organisations above the person."""
    from qingshe.orgs.models import Membership, Organisation

    paths = list(
        Membership.objects.filter(user_id=person.pk, is_active=True).values_list(
            "org__path", flat=True
        )
    )
    orgs = [
        g
        for g in access.grants(actor)
        if g.role in access.ADMIN_ROLES and any(p.startswith(g.path) for p in paths)
    ]
    return list(Organisation.objects.filter(pk__in={g.org_id for g in orgs}).order_by("depth"))


@login_required
@require_POST
def person_add(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    person = get_or_404(selectors.person_get_for_viewer, viewer=request.user, person_id=pk)
    if not services.may_administer(request.user, person):
        raise Http404(_("No such person."))
    orgs = _recording_orgs(request.user, person)
    form: Any
    if what == "award":
        form = AwardForm(request.POST)
    elif what == "evaluation":
        form = EvaluationForm(request.POST)
    elif what == "certificate":
        form = CertificateForm(request.POST, prefix="cert")
    else:
        raise Http404
    if form.is_valid():
        d = form.cleaned_data
        try:
            if what == "certificate":
                cert = services.certificate_issue(
                    actor=request.user,
                    user=person,
                    period_start=d["period_start"],
                    period_end=d["period_end"],
                )
                messages.success(
                    request, _("Certificate %(number)s issued.") % {"number": cert.number}
                )
            elif not orgs and not access.is_platform_staff(request.user):
                raise Http404
            elif what == "award":
                services.award_record(
                    actor=request.user, user=person, org=orgs[-1] if orgs else _root(person), **d
                )
                messages.success(request, _("Award recorded."))
            else:
                services.evaluation_record(
                    actor=request.user, user=person, org=orgs[-1] if orgs else _root(person), **d
                )
                messages.success(request, _("Evaluation recorded."))
        except ServiceError as exc:
            add_service_error(form, exc)
            return _person_page(request, person, status=exc.status, **{f"{what}_form": form})
        return redirect("credit:person", pk=person.pk)
    return _person_page(request, person, status=422, **{f"{what}_form": form})


def _root(person: Any) -> Any:
    return services.recording_org(person)


@login_required
def person_transcript_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(selectors.person_get_for_viewer, viewer=request.user, person_id=pk)
    return _pdf(
        transcript.transcript_pdf(transcript.transcript_of(person)),
        f"transcript-{person.volunteer_no}.pdf",
    )


# --- departments --------------------------------------------------------------------------------
@login_required
def departments(request: HttpRequest) -> HttpResponse:
    orgs = selectors.department_orgs_for_user(user=request.user)
    return render_page(
        request, "credit/departments.html", {"orgs": orgs[:200], "tab": "departments"}
    )


def _department(request: HttpRequest, pk: int) -> Any:
    org = get_or_404(org_selectors.org_get_for_user, user=request.user, org_id=pk)
    if not selectors.department_orgs_for_user(user=request.user).filter(pk=org.pk).exists():
        raise Http404(_("No such organisation."))
    return org


@login_required
def department(request: HttpRequest, pk: int) -> HttpResponse:
    org = _department(request, pk)
    if request.method == "POST":
        try:
            services.transcript_export_start(actor=request.user, org=org)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The export has started; this page shows its progress."))
        return redirect("credit:department", pk=org.pk)
    if list_exports.requested(request):
        return list_exports.respond(request, "credit.department", selectors.students_of(org=org))
    page = paginate(request, selectors.students_of(org=org))
    totals = selectors.hours_by_person([u.pk for u in page.object_list])
    for user in page.object_list:
        user.volunteer_hours = totals[user.pk]["volunteer"]
        user.practice_hours = totals[user.pk]["social_practice"]
    context = {
        "org": org,
        "page": page,
        "jobs": ExportJob.objects.filter(org=org).order_by("-created_at")[:5],
        "tab": "departments",
    }
    return render_page(request, "credit/department.html", context)


@login_required
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = ExportJob.objects.select_related("org").filter(pk=pk).first()
    if job is None or not access.can(request.user, "org.manage", job.org):
        raise Http404(_("No such export."))
    return render_page(request, "credit/_job.html", {"job": job})


@login_required
def export_job_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    job = ExportJob.objects.select_related("org").filter(pk=pk).first()
    if (
        job is None
        or not access.can(request.user, "org.manage", job.org)
        or kind not in ("xlsx", "zip")
    ):
        raise Http404(_("No such export."))
    field = job.xlsx if kind == "xlsx" else job.zip
    if job.state != ExportJob.State.DONE or not field or not default_storage.exists(field.name):
        raise Http404(_("No such export."))
    name = f"transcripts-{job.org.short_name or job.org.pk}.{kind}"
    return FileResponse(default_storage.open(field.name, "rb"), as_attachment=True, filename=name)


# --- national-field exports ---------------------------------------------------------------------
@login_required
def export_records(request: HttpRequest) -> HttpResponse:
    orgs = selectors.export_orgs_for_user(user=request.user)
    if not orgs.exists():
        raise Http404(_("You look after nobody whose records could be exported."))
    form = ExportForm(request.GET or None, orgs=orgs)
    status = 200
    if request.GET and form.is_valid():
        d = form.cleaned_data
        try:
            req = exports.check_request(
                actor=request.user,
                org=d["org"],
                start=d["start"],
                end=d["end"],
                clear_ids=d["clear_ids"],
            )
            return _export_response(request, req, d["format"], d.get("table") or "services")
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
    elif request.GET:
        status = 422
    return render_page(
        request, "credit/exports.html", {"form": form, "tab": "exports"}, status=status
    )


def _export_response(
    request: HttpRequest, req: exports.ExportRequest, fmt: str, table: str
) -> HttpResponse:
    stem = f"records-{req.org.pk}-{req.start:%Y%m%d}-{req.end:%Y%m%d}"
    if fmt == "csv":
        body = exports.records_csv(actor=request.user, req=req, table=table)
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}-{table}.csv"'
    elif table == "posts":
        response = HttpResponse(
            exports.posts_xlsx(actor=request.user, req=req),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}-posts.xlsx"'
    else:
        response = HttpResponse(
            exports.records_xlsx(actor=request.user, req=req),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def verify_redirect(request: HttpRequest) -> HttpResponse:
    """`/certificates/verify/?code=…`: typed-in codes land on the verification page."""
    code = selectors.normalise_code(request.GET.get("code", ""))
    if not code:
        return render_page(request, "credit/verify.html", {"ask": True})
    return redirect(reverse("certificate_verify", args=[code]))

"""Typical-case pages (典型案例): the list, the submit form with its character count, a case with
its photos and the committee's review buttons, editing a returned case, the committee's review
inbox, and the public page of featured cases.

Thin views: reads through reports.selectors, writes through reports.services. The character count
is computed on the server (an htmx request as the text changes, and on every full render), so
the page needs no script of its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from qingshe.core import access
from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.core.ratelimits import over_limit, throttled_page
from qingshe.lib.images import CONTENT_TYPES
from qingshe.orgs.models import Role
from qingshe.programmes import selectors as programme_selectors
from qingshe.programmes.models import Programme
from qingshe.reports import selectors, services
from qingshe.reports.forms import CaseForm, ReviewForm
from qingshe.reports.models import CasePhoto, TypicalCase

State = TypicalCase.State
CHOICES_LIMIT = 200
DEFAULT_MIN_CHARS = Programme._meta.get_field("case_min_chars").default


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _error_status(request: HttpRequest, exc: ServiceError) -> int:
    # htmx swaps only 2xx answers: the part with the error comes back as 200.
    return 200 if getattr(request, "htmx", False) else exc.status


def _count(text: str, min_chars: int) -> dict[str, Any]:
    n = services.case_text_length(text or "")
    return {"n": n, "min": min_chars, "ok": n >= min_chars, "missing": max(0, min_chars - n)}


# --- the list -------------------------------------------------------------------------------------
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    programme_id = _int(request.GET.get("programme"))
    cases = selectors.case_list_for_user(
        user=request.user, filters=selectors.CaseFilters(state=state, programme_id=programme_id)
    )
    if exports.requested(request):
        return exports.respond(request, "reports.cases", cases)
    context = {
        "page": paginate(request, cases),
        "state": state,
        "states": State.choices,
        "programme_id": programme_id,
        "query": f"state={state}&" if state else "",
        **_tabs(request.user),
        "tab": "list",
    }
    return render_page(request, "reports/case_list.html", context, partial="results")


def _reviews_anything(user: Any) -> bool:
    return access.has_role(user, [Role.LEAGUE_ADMIN]) or access.is_platform_staff(user)


def _tabs(user: Any) -> dict[str, bool]:
    """Which tabs the person gets (the pages check again)."""
    return {
        "can_submit": access.has_role(user, [Role.DEPARTMENT_ADMIN])
        or access.is_platform_staff(user),
        "can_review": _reviews_anything(user),
    }


@login_required
def review_inbox(request: HttpRequest) -> HttpResponse:
    if not _reviews_anything(request.user):
        raise PermissionDenied(_("Only league committees review typical cases."))
    cases = selectors.cases_to_review(user=request.user)
    if exports.requested(request):
        return exports.respond(request, "reports.review_inbox", cases)
    context = {"page": paginate(request, cases), "query": "", "tab": "inbox", **_tabs(request.user)}
    return render_page(request, "reports/case_inbox.html", context, partial="results")


# --- submit and edit ------------------------------------------------------------------------------
def _form_choices(user: Any, departments: list[Any]) -> dict[str, list[tuple[int, str]]]:
    programmes: dict[int, str] = {}
    activities: list[tuple[int, str]] = []
    projects: list[tuple[int, str]] = []
    several = len(departments) > 1
    for d in departments:
        for p in selectors.programmes_for_department(department=d):
            programmes[p.pk] = f"{p.year} {p.name}"
        prefix = f"{d.display_name} · " if several else ""
        activities += [
            (a.pk, f"{prefix}{a.title}（{a.organiser.display_name}）")
            for a in selectors.linkable_activities(department=d)[:CHOICES_LIMIT]
        ]
        projects += [
            (g.pk, f"{prefix}{g.name}")
            for g in selectors.linkable_projects(department=d)[:CHOICES_LIMIT]
        ]
    return {
        "programmes": list(programmes.items()),
        "departments": [(d.pk, d.name) for d in departments],
        "activities": activities,
        "projects": projects,
    }


def _links(department: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The chosen activity and project, looked up among the department's own (the services check
    the same rule; an id from elsewhere is refused there with a clear message)."""
    from qingshe.duty.models import Activity
    from qingshe.needs.models import ProjectGroup

    activity_id: int | None = data.get("activity")
    project_id: int | None = data.get("project")
    activity = (
        Activity.objects.select_related("organiser", "pairing__unit").filter(pk=activity_id).first()
        if activity_id
        else None
    )
    project = (
        ProjectGroup.objects.select_related("owner").filter(pk=project_id).first()
        if project_id
        else None
    )
    return {"activity": activity, "project": project}


def _min_chars_for(request: HttpRequest, programme_id: int | None) -> int:
    if programme_id:
        programme = (
            programme_selectors.programme_list_for_user(user=request.user)
            .filter(pk=programme_id)
            .first()
        )
        if programme is not None:
            return programme.case_min_chars
    return DEFAULT_MIN_CHARS


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    departments = list(selectors.departments_for_submitter(user=request.user)[:CHOICES_LIMIT])
    if not departments:
        raise PermissionDenied(_("Only the department's league admins submit its typical cases."))
    choices = _form_choices(request.user, departments)
    data = request.POST if request.method == "POST" else None
    initial = {}
    if len(choices["programmes"]) == 1:
        initial["programme"] = choices["programmes"][0][0]
    form = CaseForm(data, request.FILES or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        department = next(x for x in departments if x.pk == d["department"])
        programme = (
            programme_selectors.programme_list_for_user(user=request.user)
            .filter(pk=d["programme"])
            .first()
        )
        try:
            if programme is None:
                raise PermissionDenied
            case = services.case_submit(
                actor=request.user,
                programme=programme,
                department=department,
                title=d["title"],
                text=d["text"],
                photos=d["photos"],
                **_links(department, d),
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The typical case has been submitted to the league committee for review."),
            )
            return redirect("reports:detail", case.pk)
    programme_id = (
        _int(str(form["programme"].value() or "")) if "programme" in form.fields else None
    )
    context = {
        "form": form,
        "count": _count(str(form["text"].value() or ""), _min_chars_for(request, programme_id)),
        "programmes": _programme_rules(request, [p for p, _label in choices["programmes"]]),
        "no_programme": not choices["programmes"],
        **_tabs(request.user),
        "tab": "new",
    }
    status = 422 if request.method == "POST" else 200
    return render_page(request, "reports/case_form.html", context, status=status)


def _programme_rules(request: HttpRequest, ids: list[int]) -> list[Programme]:
    return list(programme_selectors.programme_list_for_user(user=request.user).filter(pk__in=ids))


@login_required
@require_POST
def case_count(request: HttpRequest) -> HttpResponse:
    """The live character count of the text being written (htmx, as the text changes)."""
    count = _count(
        request.POST.get("text", ""), _min_chars_for(request, _int(request.POST.get("programme")))
    )
    return render_page(request, "reports/case_form.html", {"count": count}, partial="count")


def _case_or_404(request: HttpRequest, pk: int) -> TypicalCase:
    return get_or_404(selectors.case_get_for_user, user=request.user, case_id=pk)


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a returned case and send it for review again."""
    case = _case_or_404(request, pk)
    if not services.may_resubmit(request.user, case):
        if case.state != State.RETURNED:
            messages.info(
                request, _("Only a case returned for changes can be edited and resubmitted.")
            )
            return redirect("reports:detail", case.pk)
        raise PermissionDenied(_("Only the department's league admins submit its typical cases."))
    choices = _form_choices(request.user, [case.department])
    photos = list(case.photos.all())
    data = request.POST if request.method == "POST" else None
    form = CaseForm(
        data,
        request.FILES or None,
        activities=choices["activities"],
        projects=choices["projects"],
        photos=[(p.pk, _("Photo %(n)d") % {"n": p.order}) for p in photos],
        initial={
            "title": case.title,
            "text": case.text,
            "activity": case.activity_id,
            "project": case.project_id,
            "keep": [p.pk for p in photos],
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.case_resubmit(
                actor=request.user,
                case=case,
                title=d["title"],
                text=d["text"],
                keep=d["keep"],
                photos=d["photos"],
                **_links(case.department, d),
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The typical case has been resubmitted for review."))
            return redirect("reports:detail", case.pk)
    kept = {int(v) for v in (form["keep"].value() or [])}
    context = {
        "form": form,
        "case": case,
        "photos": [{"photo": p, "kept": p.pk in kept} for p in photos],
        "count": _count(str(form["text"].value() or ""), case.programme.case_min_chars),
        "programmes": [case.programme],
        **_tabs(request.user),
        "tab": "list",
    }
    status = 422 if request.method == "POST" else 200
    return render_page(request, "reports/case_form.html", context, status=status)


# --- one case and its review ---------------------------------------------------------------------
def _detail_context(request: HttpRequest, case: TypicalCase, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "case": case,
        "photos": list(case.photos.all()),
        "chars": services.case_text_length(case.text),
        "may_review_case": services.may_review(user, case) and case.state != State.RETURNED,
        "can_resubmit": services.may_resubmit(user, case),
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        "decisions": _decisions(case),
        **_tabs(user),
        "tab": "list",
        **extra,
    }


def _decisions(case: TypicalCase) -> list[dict[str, str]]:
    """The buttons a reviewer gets for a case in its state (the service decides)."""
    out = []
    if case.state != State.ACCEPTED:
        out.append(
            {
                "value": "accept",
                "label": pgettext("typical case", "Accept")
                if case.state == State.SUBMITTED
                else _("Accept, not featured"),
            }
        )
    if case.state != State.FEATURED:
        out.append({"value": "feature", "label": _("Feature on the public page")})
    return out


def _render_case(
    request: HttpRequest, case: TypicalCase, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _detail_context(request, case, **extra)
    return render_page(
        request, "reports/case_detail.html", context, partial="workflow", status=status
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, _case_or_404(request, pk))


@login_required
@require_POST
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = ReviewForm(request.POST)
    decision = request.POST.get("decision", "")
    note = (
        form.cleaned_data.get("note", "")
        if form.is_valid()
        else request.POST.get("note", "")[:2000]
    )
    try:
        done = services.case_review(actor=request.user, case=case, decision=decision, note=note)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ServiceError as exc:
        fresh = _case_or_404(request, pk)
        if exc.field == "note":
            form = ReviewForm(request.POST)
            form.is_valid()
            form.add_error("note", str(exc.message))
            return _render_case(
                request, fresh, review_form=form, status=_error_status(request, exc)
            )
        return _render_case(
            request, fresh, error=str(exc.message), status=_error_status(request, exc)
        )
    message = _("Done: the case is now “%(state)s”.") % {"state": done.get_state_display()}
    if getattr(request, "htmx", False):
        return _render_case(request, _case_or_404(request, pk), notice=message)
    messages.success(request, message)
    return redirect("reports:detail", pk)


# --- photos ---------------------------------------------------------------------------------------
def _serve(photo: CasePhoto, *, thumb: bool, public: bool) -> FileResponse:
    """A photo or its thumbnail, shown inline, never sniffed as anything but the image it is."""
    field = photo.thumbnail if thumb else photo.file
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    extension = "jpg" if thumb else photo.extension
    response = FileResponse(
        handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream")
    )
    suffix = "-thumb" if thumb else ""
    response["Content-Disposition"] = (
        f'inline; filename="case-{photo.case_id}-{photo.order}{suffix}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "public, max-age=600" if public else "private, max-age=3600"
    return response


@login_required
@require_GET
def case_photo(request: HttpRequest, pk: int, photo_id: int, thumb: bool = False) -> FileResponse:
    photo = get_or_404(
        selectors.case_photo_get_for_user, user=request.user, case_id=pk, photo_id=photo_id
    )
    return _serve(photo, thumb=thumb, public=False)


# --- the public page of featured cases ---------------------------------------------------------------
@require_GET
def featured_list(request: HttpRequest) -> HttpResponse:
    """Public (no login): the featured cases, readable on a phone. It shows what the case says,
    its department and programme, and its photos; never who submitted or reviewed it. Its export
    (the same columns, no person) is for signed-in people: every export is logged by who made it."""
    if over_limit(request, "featured_cases"):
        return throttled_page(request)
    if exports.requested(request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return exports.respond(request, "reports.featured", selectors.featured_cases())
    page = paginate(request, selectors.featured_cases(), per_page=12)
    response = render_page(
        request, "reports/case_featured.html", {"page": page, "query": ""}, partial="results"
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def featured_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if over_limit(request, "featured_cases"):
        return throttled_page(request)
    case = get_or_404(selectors.featured_case_get, case_id=pk)
    response = render_page(
        request,
        "reports/case_featured_detail.html",
        {"case": case, "photos": list(case.photos.all())},
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def featured_photo(
    request: HttpRequest, pk: int, photo_id: int, thumb: bool = False
) -> FileResponse:
    photo = get_or_404(selectors.featured_photo_get, case_id=pk, photo_id=photo_id)
    return _serve(photo, thumb=thumb, public=True)

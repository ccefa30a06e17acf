"""Programme pages: programme years, recruitment calls, branch applications, pairings and
compliance.

Thin views: reads through programmes.selectors, every write through programmes.services. A
button posts to a view that calls one service; with htmx the answer is the page's part that
changed, without it a redirect (or the page again, with the service's error)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from qingshe.core import access
from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.core.timeutil import parse_month, previous_month
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.orgs.selectors import org_ancestors, org_get_for_user
from qingshe.programmes import selectors, services
from qingshe.programmes.forms import (
    ApplicationForm,
    CallForm,
    HonoursForm,
    PairingForm,
    ProgrammeForm,
    ReasonForm,
    ServiceRecordForm,
)
from qingshe.programmes.models import BranchApplication, Pairing, Programme, RecruitmentCall
from qingshe.programmes.transcript_rules import TranscriptRules
from qingshe.programmes.transcript_rules import describe as describe_transcript_rules

AppState = BranchApplication.State
PairState = Pairing.State
DOCUMENT_STATES = (PairState.APPROVED, PairState.ACTIVE, PairState.ENDED)
INBOX_LIMIT = 200

# What each audited step is called in an object's history.
HISTORY_LABELS = {
    "application.submit": gettext_lazy("Submitted the application"),
    "application.resubmit": gettext_lazy("Resubmitted the application"),
    "application.recommend": gettext_lazy("Recommended by the department"),
    "application.reviewed": gettext_lazy("Passed the university's review"),
    "application.confirmed": gettext_lazy("Confirmed by the league committee"),
    "application.returned": gettext_lazy("Returned for changes"),
    "application.rejected": gettext_lazy("Rejected"),
    "pairing.propose": gettext_lazy("Proposed the pairing"),
    "pairing.approve": gettext_lazy("Approved the pairing"),
    "pairing.reject": gettext_lazy("Did not approve the pairing"),
    "pairing.confirm_unit": gettext_lazy("Confirmed the agreement for the university side"),
    "pairing.confirm_community": gettext_lazy("Confirmed the agreement for the community side"),
    "pairing.end": gettext_lazy("Ended the pairing"),
}


def _history(events: Any) -> list[dict[str, Any]]:
    return [
        {
            "event": e,
            "label": HISTORY_LABELS.get(e.action, e.action),
            "reason": (e.data or {}).get("reason", ""),
        }
        for e in events
    ]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _query(**params: Any) -> str:
    """The list's filters as a query-string prefix for the pager's links ("state=x&")."""
    kept = {k: v for k, v in params.items() if v}
    return urlencode(kept) + "&" if kept else ""


def _days_left(day: date, today: date) -> str:
    n = (day - today).days
    if n > 0:
        return ngettext("%(n)d day left", "%(n)d days left", n) % {"n": n}
    if n == 0:
        return _("due today")
    return ngettext("%(n)d day past", "%(n)d days past", -n) % {"n": -n}


def _respond(
    request: HttpRequest, url: str, message: str, render: Callable[[str], HttpResponse]
) -> HttpResponse:
    """After a successful step: the changed part for htmx, else a message and a redirect."""
    if getattr(request, "htmx", False):
        return render(message)
    messages.success(request, message)
    return redirect(url)


def _error_status(request: HttpRequest, exc: ServiceError) -> int:
    # htmx swaps only 2xx answers: the part with the error comes back as 200.
    return 200 if getattr(request, "htmx", False) else exc.status


# --- programmes ---------------------------------------------------------------------------------
@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    year = _int(request.GET.get("year"))
    programmes = selectors.programme_list_for_user(user=request.user, year=year)
    if exports.requested(request):
        return exports.respond(request, "programmes.list", programmes)
    context = {
        "page": paginate(request, programmes),
        "year": year,
        "can_create": selectors.programme_owners_for_user(user=request.user).exists(),
        "tab": "programmes",
    }
    return render_page(request, "programmes/programme_list.html", context, partial="results")


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    owners = selectors.programme_owners_for_user(user=request.user)
    owner_list = list(owners)
    if not owner_list:
        raise PermissionDenied(_("Only league committee admins can open a programme."))
    today = timezone.localdate()
    form = ProgrammeForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        scope_choices=selectors.programme_scope_choices_for_user(
            user=request.user, owner=owner_list[0]
        ),
        initial={"owner": owner_list[0].pk, "year": today.year},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            programme = services.programme_create(
                actor=request.user,
                owner=d["owner"],
                name=d["name"],
                year=d["year"],
                scope=list(d["scope"]),
                pairing_deadline=d["pairing_deadline"],
                start_deadline=d["start_deadline"],
                case_deadline=d["case_deadline"],
                branch_quota_pct=d["branch_quota_pct"],
                student_quota_pct=d["student_quota_pct"],
                min_regular_semesters=d["min_regular_semesters"],
                min_concentrated_months=d["min_concentrated_months"],
                min_services_per_month=d["min_services_per_month"],
                cases_per_department=d["cases_per_department"],
                reminder_days=d["reminder_days"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The programme has been opened."))
            return redirect("programmes:detail", programme.pk)
    return render_page(
        request, "programmes/programme_form.html", {"form": form, "tab": "programmes"}
    )


def _programme_or_404(request: HttpRequest, pk: int) -> Programme:
    return get_or_404(selectors.programme_get_for_user, user=request.user, programme_id=pk)


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_or_404(request, pk)
    today = timezone.localdate()
    can_manage = selectors.programme_can_manage(user=request.user, programme=programme)
    now = timezone.now()
    calls = [
        {"call": c, "open": c.opens_at <= now <= c.closes_at, "upcoming": now < c.opens_at}
        for c in programme.calls.order_by("-opens_at")
    ]
    deadlines = [
        (_("Pairing deadline"), programme.pairing_deadline),
        (_("Start deadline"), programme.start_deadline),
        (_("Typical case deadline"), programme.case_deadline),
    ]
    app_counts = _state_counts(
        selectors.application_list_for_user(user=request.user, programme_id=programme.pk), AppState
    )
    pairing_counts = _state_counts(
        selectors.pairing_list_for_user(user=request.user, programme_id=programme.pk), PairState
    )
    context = {
        "programme": programme,
        "scope": list(programme.scope.order_by("path")),
        "deadlines": [
            {"label": label, "date": day, "left": _days_left(day, today), "past": day < today}
            for label, day in deadlines
        ],
        "calls": calls,
        "can_manage": can_manage,
        "can_propose": can_manage
        or selectors.pairing_units_for_user(user=request.user, programme=programme).exists(),
        "can_compliance": selectors.programme_can_see_compliance(
            user=request.user, programme=programme
        ),
        "transcript_rules": describe_transcript_rules(
            TranscriptRules.from_json(programme.transcript_rules)
        ),
        "app_counts": app_counts,
        "pairing_counts": pairing_counts,
        "tab": "programmes",
    }
    return render_page(request, "programmes/programme_detail.html", context)


def _state_counts(qs: Any, states: Any) -> list[dict[str, Any]]:
    from django.db.models import Count

    counts = dict(qs.order_by().values("state").annotate(n=Count("pk")).values_list("state", "n"))
    return [
        {"state": value, "label": label, "n": counts.get(value, 0)}
        for value, label in states.choices
    ]


@login_required
def call_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_or_404(request, pk)
    if not selectors.programme_can_manage(user=request.user, programme=programme):
        raise PermissionDenied(_("Only the programme's league committee can open a call."))
    form = CallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            call = services.call_open(
                actor=request.user,
                programme=programme,
                title=d["title"],
                criteria=d["criteria"],
                opens_at=d["opens_at"],
                closes_at=d["closes_at"],
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The recruitment call is open."))
            return redirect("programmes:call", call.pk)
    return render_page(
        request,
        "programmes/call_form.html",
        {"form": form, "programme": programme, "tab": "programmes"},
    )


def _call_or_404(request: HttpRequest, pk: int) -> RecruitmentCall:
    return get_or_404(selectors.call_get_for_user, user=request.user, call_id=pk)


def _window(call: RecruitmentCall) -> dict[str, Any]:
    now = timezone.now()
    return {"open": call.opens_at <= now <= call.closes_at, "upcoming": now < call.opens_at}


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_or_404(request, pk)
    applications = selectors.application_list_for_user(user=request.user).filter(call=call)
    context = {
        "call": call,
        "programme": call.programme,
        "window": _window(call),
        "can_apply": selectors.branches_to_apply_for(user=request.user, call=call).exists(),
        "can_manage": selectors.programme_can_manage(user=request.user, programme=call.programme),
        "applications": list(applications[:50]),
        "application_count": applications.count(),
        "tab": "programmes",
    }
    return render_page(request, "programmes/call_detail.html", context)


@login_required
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_or_404(request, pk)
    branches = selectors.branches_to_apply_for(user=request.user, call=call).select_related(
        "parent"
    )
    branch_list = list(branches)
    if not branch_list:
        raise PermissionDenied(_("Only the branch's secretary can apply for it."))
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        branches=branches,
        initial={"branch": branch_list[0].pk} if len(branch_list) == 1 else {},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            application = services.application_submit(
                actor=request.user,
                call=call,
                branch=d["branch"],
                statement=d["statement"],
                **form.honours(),
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The application has been submitted to the department."))
            return redirect("programmes:application", application.pk)
    context = {
        "form": form,
        "call": call,
        "window": _window(call),
        "programme": call.programme,
        "tab": "applications",
    }
    return render_page(request, "programmes/application_form.html", context)


# --- applications -------------------------------------------------------------------------------
@login_required
def application_inbox(request: HttpRequest) -> HttpResponse:
    # Oldest first, at most INBOX_LIMIT: an inbox is worked through, not browsed.
    waiting = list(
        selectors.applications_waiting_for(user=request.user).select_related("call__programme")[
            :INBOX_LIMIT
        ]
    )
    titles = [
        (AppState.SUBMITTED, _("To recommend (department)")),
        (AppState.RECOMMENDED, _("To review (university)")),
        (AppState.REVIEWED, _("To confirm (league committee)")),
        (AppState.RETURNED, _("Returned to you for changes")),
    ]
    items: dict[str, list[BranchApplication]] = {state: [] for state, _title in titles}
    for a in waiting:
        items[a.state].append(a)
    groups = [
        {"state": state, "title": title, "items": items[state]}
        for state, title in titles
        if items[state]
    ]
    context = {"groups": groups, "total": len(waiting), "tab": "inbox"}
    return render_page(request, "programmes/application_inbox.html", context)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in AppState.values else ""
    programme_id = _int(request.GET.get("programme"))
    qs = selectors.application_list_for_user(
        user=request.user, state=state, programme_id=programme_id
    )
    if exports.requested(request):
        return exports.respond(request, "programmes.applications", qs)
    context = {
        "page": paginate(request, qs),
        "state": state,
        "states": AppState.choices,
        "programme_id": programme_id or "",
        "query": _query(state=state, programme=programme_id),
        "tab": "applications",
    }
    return render_page(request, "programmes/application_list.html", context, partial="results")


def _application_or_404(request: HttpRequest, pk: int) -> BranchApplication:
    return get_or_404(selectors.application_get_for_user, user=request.user, application_id=pk)


def _application_context(
    request: HttpRequest,
    application: BranchApplication,
    *,
    reason_form: ReasonForm | None = None,
    error: str = "",
    notice: str = "",
) -> dict[str, Any]:
    user = request.user
    branch, programme = application.branch, application.call.programme
    state = application.state
    # The buttons mirror the services' own checks; the services decide.
    step = None
    if state == AppState.SUBMITTED and access.can(user, "application.recommend", branch):
        step = {
            "approve": _("Recommend"),
            "reject": _("Return for changes"),
            "reason_label": _("Why it is returned"),
        }
    elif state == AppState.RECOMMENDED and access.can(user, "application.review", branch):
        step = {
            "approve": _("Pass the review"),
            "reject": _("Reject"),
            "reason_label": _("Why it is rejected"),
        }
    elif state == AppState.REVIEWED and access.can(user, "programme.manage", programme.owner):
        step = {
            "approve": _("Confirm the selection"),
            "reject": _("Reject"),
            "reason_label": _("Why it is rejected"),
        }
    return {
        "application": application,
        "call": application.call,
        "programme": programme,
        "step": step,
        "can_resubmit": state == AppState.RETURNED
        and access.can(user, "application.submit", branch),
        "reason_form": reason_form or ReasonForm(),
        "error": error,
        "notice": notice,
        "history": _history(selectors.application_history(application=application)),
        "tab": "applications",
    }


def _render_application(
    request: HttpRequest, application: BranchApplication, *, status: int = 200, **kw: Any
) -> HttpResponse:
    context = _application_context(request, application, **kw)
    return render_page(
        request, "programmes/application_detail.html", context, partial="workflow", status=status
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_application(request, _application_or_404(request, pk))


def _application_step(
    request: HttpRequest, application: BranchApplication, step: str
) -> HttpResponse:
    pk = application.pk
    form = ReasonForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        if step == "recommend":
            done = services.application_recommend(actor=request.user, application=application)
        elif step == "approve":
            done = services.application_approve(actor=request.user, application=application)
        else:
            done = services.application_reject(
                actor=request.user, application=application, reason=reason
            )
    except AccessDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ServiceError as exc:
        application.refresh_from_db()
        if exc.field == "reason":
            form.add_error("reason", str(exc.message))
            return _render_application(
                request, application, reason_form=form, status=_error_status(request, exc)
            )
        return _render_application(
            request, application, error=str(exc.message), status=_error_status(request, exc)
        )
    message = _("Done: the application is now “%(state)s”.") % {"state": done.get_state_display()}
    fresh = _application_or_404(request, pk)
    return _respond(
        request,
        reverse("programmes:application", args=[pk]),
        message,
        lambda m: _render_application(request, fresh, notice=m),
    )


@login_required
@require_POST
def application_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_step(request, _application_or_404(request, pk), "recommend")


@login_required
@require_POST
def application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    # The department's "recommend" is the first approval; one button name on every step.
    step = "recommend" if application.state == AppState.SUBMITTED else "approve"
    return _application_step(request, application, step)


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_step(request, _application_or_404(request, pk), "reject")


@login_required
def application_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    if not access.can(request.user, "application.submit", application.branch):
        raise PermissionDenied(_("Only the branch's secretary can resubmit."))
    form = HonoursForm(
        request.POST if request.method == "POST" else None,
        initial={
            "excellent_branch": application.excellent_branch,
            "excellent_class": application.excellent_class,
            "excellent_cadre": application.excellent_cadre,
            "other_honours": application.other_honours,
            "statement": application.statement,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_resubmit(
                actor=request.user,
                application=application,
                statement=form.cleaned_data["statement"],
                **form.honours(),
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The application has been resubmitted to the department."))
            return redirect("programmes:application", application.pk)
    context = {
        "form": form,
        "call": application.call,
        "window": _window(application.call),
        "programme": application.call.programme,
        "application": application,
        "tab": "applications",
    }
    return render_page(request, "programmes/application_form.html", context)


# --- pairings -----------------------------------------------------------------------------------
@login_required
def pairing_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in PairState.values else ""
    programme_id = _int(request.GET.get("programme"))
    qs = selectors.pairing_list_for_user(user=request.user, state=state, programme_id=programme_id)
    if exports.requested(request):
        return exports.respond(request, "programmes.pairings", qs)
    waiting = selectors.pairings_waiting_for(user=request.user)
    context = {
        "page": paginate(request, qs),
        "state": state,
        "states": PairState.choices,
        "programme_id": programme_id or "",
        "query": _query(state=state, programme=programme_id),
        "waiting": list(waiting[:20]),
        "tab": "pairings",
    }
    return render_page(request, "programmes/pairing_list.html", context, partial="results")


@login_required
def pairing_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_or_404(request, pk)
    units = selectors.pairing_units_for_user(user=request.user, programme=programme)
    if not units.exists():
        raise PermissionDenied(_("You may not propose pairings for this unit."))
    communities = selectors.pairing_communities_for(programme=programme)
    initial: dict[str, Any] = {}
    for key in ("unit", "community"):
        if value := _int(request.GET.get(key)):
            initial[key] = value
    form = PairingForm(
        request.POST if request.method == "POST" else None,
        units=units,
        communities=communities,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pairing = services.pairing_propose(
                actor=request.user,
                programme=programme,
                unit=d["unit"],
                community=d["community"],
                term_start=d["term_start"],
                term_end=d["term_end"],
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The pairing has been proposed to the league committee."))
            return redirect("programmes:pairing", pairing.pk)
    return render_page(
        request,
        "programmes/pairing_form.html",
        {"form": form, "programme": programme, "tab": "pairings"},
    )


@login_required
def pairing_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Unpaired branches with the communities suggested for each (near, fitting, uncovered first)
    and a button that opens the proposal form filled in."""
    programme = _programme_or_404(request, pk)
    if not selectors.pairing_units_for_user(user=request.user, programme=programme).exists():
        raise Http404
    # Imported here: the ranking module is built separately.
    from qingshe.programmes.suggestions import suggest_for_user

    rows = suggest_for_user(user=request.user, programme=programme, limit_per_branch=3)
    if exports.requested(request):
        branches = [r.branch for r in rows]
        params = {"programme": programme.pk}
        return exports.respond(request, "programmes.suggestions", branches, params=params)
    context = {
        "programme": programme,
        "page": paginate(request, rows, per_page=10),
        "query": "",
        "tab": "pairings",
    }
    return render_page(request, "programmes/suggestions.html", context, partial="results")


def _pairing_or_404(request: HttpRequest, pk: int) -> Pairing:
    return get_or_404(selectors.pairing_get_for_user, user=request.user, pairing_id=pk)


def _pairing_context(
    request: HttpRequest,
    pairing: Pairing,
    *,
    reason_form: ReasonForm | None = None,
    service_form: ServiceRecordForm | None = None,
    error: str = "",
    notice: str = "",
) -> dict[str, Any]:
    user = request.user
    state = pairing.state
    manage = access.can(user, "programme.manage", pairing.programme.owner)
    can_record = state == PairState.ACTIVE and (
        access.can(user, "pairing.record_service", pairing.unit)
        or access.can(user, "pairing.record_service", pairing.community)
    )
    return {
        "pairing": pairing,
        "programme": pairing.programme,
        "can_approve": state == PairState.PROPOSED and manage,
        "can_end": state in (PairState.APPROVED, PairState.ACTIVE) and manage,
        "can_confirm_unit": state == PairState.APPROVED
        and pairing.unit_confirmed_at is None
        and access.can(user, "pairing.confirm_unit", pairing.unit),
        "can_confirm_community": state == PairState.APPROVED
        and pairing.community_confirmed_at is None
        and access.can(user, "pairing.confirm_community", pairing.community),
        "can_record": can_record,
        "has_documents": state in DOCUMENT_STATES,
        "reason_form": reason_form or ReasonForm(),
        "service_form": service_form
        or (ServiceRecordForm(initial={"held_on": timezone.localdate()}) if can_record else None),
        "services_recorded": list(
            pairing.services.select_related("recorded_by").order_by("-held_on", "-pk")[:50]
        ),
        "service_count": pairing.services.count(),
        "history": _history(selectors.pairing_history(pairing=pairing)),
        "error": error,
        "notice": notice,
        "tab": "pairings",
    }


def _render_pairing(
    request: HttpRequest, pairing: Pairing, *, status: int = 200, **kw: Any
) -> HttpResponse:
    context = _pairing_context(request, pairing, **kw)
    return render_page(
        request, "programmes/pairing_detail.html", context, partial="workflow", status=status
    )


@login_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_pairing(request, _pairing_or_404(request, pk))


def _pairing_step(
    request: HttpRequest, pk: int, run: Callable[[Pairing, str], Pairing]
) -> HttpResponse:
    pairing = _pairing_or_404(request, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        done = run(pairing, reason)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ServiceError as exc:
        pairing.refresh_from_db()
        if exc.field == "reason":
            form.add_error("reason", str(exc.message))
            return _render_pairing(
                request, pairing, reason_form=form, status=_error_status(request, exc)
            )
        return _render_pairing(
            request, pairing, error=str(exc.message), status=_error_status(request, exc)
        )
    message = _("Done: the pairing is now “%(state)s”.") % {"state": done.get_state_display()}
    fresh = _pairing_or_404(request, pk)
    return _respond(
        request,
        reverse("programmes:pairing", args=[pk]),
        message,
        lambda m: _render_pairing(request, fresh, notice=m),
    )


@login_required
@require_POST
def pairing_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _pairing_step(
        request, pk, lambda p, _r: services.pairing_approve(actor=request.user, pairing=p)
    )


@login_required
@require_POST
def pairing_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _pairing_step(
        request, pk, lambda p, r: services.pairing_reject(actor=request.user, pairing=p, reason=r)
    )


@login_required
@require_POST
def pairing_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    side = request.POST.get("side", "")
    return _pairing_step(
        request,
        pk,
        lambda p, _r: services.pairing_confirm(actor=request.user, pairing=p, side=side),
    )


@login_required
@require_POST
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _pairing_step(
        request, pk, lambda p, r: services.pairing_end(actor=request.user, pairing=p, reason=r)
    )


@login_required
@require_POST
def pairing_record_service(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _pairing_or_404(request, pk)
    if not (
        access.can(request.user, "pairing.record_service", pairing.unit)
        or access.can(request.user, "pairing.record_service", pairing.community)
    ):
        raise PermissionDenied(_("Only the two sides of the pairing can record its services."))
    form = ServiceRecordForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.service_record(
                actor=request.user,
                pairing=pairing,
                held_on=d["held_on"],
                title=d["title"],
                participants=d["participants"],
            )
        except AccessDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
            return _render_pairing(
                request, pairing, service_form=form, status=_error_status(request, exc)
            )
        return _respond(
            request,
            reverse("programmes:pairing", args=[pk]),
            _("The service has been recorded."),
            lambda m: _render_pairing(request, _pairing_or_404(request, pk), notice=m),
        )
    return _render_pairing(
        request, pairing, service_form=form, status=200 if getattr(request, "htmx", False) else 422
    )


def _pairing_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    pairing = _pairing_or_404(request, pk)
    if pairing.state not in DOCUMENT_STATES:
        raise Http404(_("The documents exist once the pairing is approved."))
    # Imported here: the PDF module is built separately and loads WeasyPrint.
    try:
        if kind == "agreement":
            from qingshe.programmes.documents import agreement_pdf

            data, name = (
                agreement_pdf(pairing),
                _("Pairing agreement %(n)s.pdf") % {"n": pairing.pk},
            )
        else:
            from qingshe.programmes.documents import appointment_letter_pdf

            data, name = (
                appointment_letter_pdf(pairing),
                _("Appointment letter %(n)s.pdf") % {"n": pairing.pk},
            )
    except ServiceError as exc:
        # e.g. no secretary recorded to appoint: say so on the pairing's page
        return _render_pairing(request, pairing, error=str(exc.message), status=exc.status)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, name) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def pairing_agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pairing_document(request, pk, "agreement")


@login_required
def pairing_appointment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pairing_document(request, pk, "appointment")


# --- compliance ---------------------------------------------------------------------------------
def _group_by_university(result: selectors.Compliance) -> list[dict[str, Any]]:
    """The departments under their universities, with each university's totals (its students
    counted once each, as the selector gives them)."""
    groups: dict[int | None, dict[str, Any]] = {}
    for r in result.departments:
        key = r.university.pk if r.university else None
        students, students_in = result.university_students.get(key, (0, 0))
        g = groups.setdefault(
            key,
            {
                "university": r.university,
                "rows": [],
                "branches": 0,
                "branches_in": 0,
                "students": students,
                "students_in": students_in,
            },
        )
        g["rows"].append(r)
        g["branches"] += r.branches_total
        g["branches_in"] += r.branches_taking_part
    for g in groups.values():
        g["below"] = sum(1 for r in g["rows"] if not r.met)
    return list(groups.values())


@login_required
def compliance(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_or_404(request, pk)
    if not selectors.programme_can_see_compliance(user=request.user, programme=programme):
        raise Http404
    under: Organisation | None = None
    if "under" in request.GET:
        under_id = _int(request.GET.get("under"))
        if under_id is None:
            raise Http404
        under = get_or_404(org_get_for_user, user=request.user, org_id=under_id)
    month_text = request.GET.get("month", "")
    month = parse_month(month_text) if month_text else None
    month_invalid = bool(month_text) and month is None
    month = month or previous_month(timezone.localdate())
    result = selectors.compliance_for_user(
        user=request.user, programme=programme, under=under, month=month, include_districts=True
    )
    branches = None
    if (
        under is not None
        and under.kind == OrgKind.DEPARTMENT_COMMITTEE
        and any(r.department.pk == under.pk for r in result.departments)
    ):
        branches = selectors.compliance_branches(programme=programme, department=under)
    # Breadcrumbs from below the city down to `under`, each a level of the drill-down.
    trail = [a for a in org_ancestors(org=under) if a.depth > 0] if under is not None else []
    context = {
        "programme": programme,
        "result": result,
        "groups": _group_by_university(result),
        "below_quota": sum(1 for r in result.departments if not r.met),
        "under": under,
        "trail": trail,
        "branches": branches,
        "month_value": f"{month[0]:04d}-{month[1]:02d}",
        "month_invalid": month_invalid,
        "tab": "programmes",
    }
    return render_page(request, "programmes/compliance.html", context, partial="low_frequency")

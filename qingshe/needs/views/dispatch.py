"""Dispatch pages (/dispatch/): a dispatcher's plans (make one, see its lines with reasons and the
needs left unassigned with causes, include/exclude lines, add a person by hand, apply or
discard), a volunteer's offers (accept, decline with a reason, withdraw) and the open-claim
needs a student may take (抢单).

Thin views: reads through needs.selectors, writes through needs.services. With htmx a button's
answer is the changed part (#plan, #offers, #claims) — with the error as a 200, since htmx swaps
only successful answers; without it a redirect, or the page again with the error and the
service's status (409 for a stale plan)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.core.page_cache import page_cache
from qingshe.needs import selectors, services
from qingshe.needs.dispatch import explain
from qingshe.needs.forms_dispatch import (
    DATETIME_FORMAT,
    DeclineForm,
    LineAddForm,
    PlanForm,
    decline_reason_parts,
)
from qingshe.needs.models import DispatchPlan, Need, NeedAssignment

DETAIL = "needs/dispatch_plan_detail.html"
OFFERS = "needs/dispatch_offers.html"
CLAIMS = "needs/dispatch_claims.html"


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _status(request: HttpRequest, exc: ServiceError) -> int:
    return 200 if _htmx(request) else exc.status


def _denied(exc: ServiceError) -> None:
    if isinstance(exc, AccessDenied):
        raise PermissionDenied(str(exc.message)) from exc


# --- plans --------------------------------------------------------------------------------------
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    scopes = services.scope_choices(request.user)
    if not scopes.exists():
        # Volunteers come here from the menu: their part of dispatch is their offers.
        return redirect("dispatch:offers")
    state = request.GET.get("state", "")
    state = state if state in DispatchPlan.State.values else ""
    plans = selectors.dispatch_plans_for_user(user=request.user, state=state)
    if exports.requested(request):
        return exports.respond(request, "needs.dispatch_plans", plans)
    page = paginate(request, plans)
    for plan in page.object_list:
        plan.state_text = explain.plan_state_label(plan.state)
    context = {
        "page": page,
        "state": state,
        "states": DispatchPlan.State.choices,
        "query": f"state={state}&" if state else "",
    }
    return render_page(request, "needs/dispatch_plan_list.html", context, partial="results")


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    scopes = services.scope_choices(request.user)
    if not scopes.exists():
        raise PermissionDenied(
            _("Only the league committees and the community's league secretary dispatch needs.")
        )
    form = PlanForm(request.POST if request.method == "POST" else None, scopes=scopes)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.dispatch_plan_create(
                actor=request.user,
                scope=d["scope"],
                horizon_start=d["horizon_start"],
                horizon_end=d["horizon_end"],
                weights=form.weights(),
            )
        except ServiceError as exc:
            _denied(exc)
            add_service_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The plan is ready: check it, adjust it, then apply it."))
            return redirect("dispatch:detail", plan.pk)
    return render_page(request, "needs/dispatch_plan_new.html", {"form": form}, status=status)


def _plan_or_404(request: HttpRequest, pk: int) -> DispatchPlan:
    return get_or_404(selectors.plan_get_for_user, user=request.user, plan_id=pk)


def _plan_context(
    request: HttpRequest,
    plan: DispatchPlan,
    *,
    add_form: LineAddForm | None = None,
    error: str = "",
    notice: str = "",
) -> dict[str, Any]:
    view = selectors.plan_view(plan=plan)
    needs = [g.need for g in view.groups]
    start = max(plan.horizon_start, timezone.now())
    add_form = add_form or LineAddForm(
        needs=needs, initial={"starts_at": timezone.localtime(start).strftime(DATETIME_FORMAT)}
    )
    offers = {}
    if plan.state == DispatchPlan.State.APPLIED:
        offers = {
            (a.need_id, a.volunteer_id): a
            for a in NeedAssignment.objects.filter(plan=plan).only(
                "need_id", "volunteer_id", "state", "reason"
            )
        }
        for group in view.groups:
            for line in group.lines:
                offer = offers.get((line.need_id, line.volunteer_id))
                line.offer = offer  # type: ignore[attr-defined]
                line.offer_state = explain.offer_state_label(offer.state) if offer else ""  # type: ignore[attr-defined]
    return {
        "plan": plan,
        "view": view,
        "add_form": add_form if needs else None,
        "editable": plan.state == DispatchPlan.State.PROPOSED,
        "error": error,
        "notice": notice,
    }


def _render_plan(
    request: HttpRequest, plan: DispatchPlan, *, status: int = 200, **extra: Any
) -> HttpResponse:
    plan = _plan_or_404(request, plan.pk)
    return render_page(
        request, DETAIL, _plan_context(request, plan, **extra), partial="plan", status=status
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_plan(request, _plan_or_404(request, pk))


def _after_plan(
    request: HttpRequest, plan: DispatchPlan, message: str, anchor: str = ""
) -> HttpResponse:
    if _htmx(request):
        return _render_plan(request, plan, notice=message)
    messages.success(request, message)
    return redirect(reverse("dispatch:detail", args=[plan.pk]) + anchor)


@login_required
@require_POST
def line_toggle(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    line = get_or_404(selectors.plan_line_get, plan=plan, line_id=line_id)
    included = request.POST.get("included") == "1"
    try:
        services.plan_line_set_included(actor=request.user, line=line, included=included)
    except ServiceError as exc:
        _denied(exc)
        return _render_plan(request, plan, error=str(exc.message), status=_status(request, exc))
    message = (
        _("%(name)s is back in the plan.") if included else _("%(name)s is left out of the plan.")
    ) % {"name": line.volunteer.name}
    return _after_plan(request, plan, message, f"#need-{line.need_id}")


@login_required
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    view = selectors.plan_view(plan=plan)
    needs = {g.need.pk: g.need for g in view.groups}
    form = LineAddForm(request.POST, needs=list(needs.values()))
    if form.is_valid():
        d = form.cleaned_data
        volunteer = selectors.volunteer_in_scope(plan=plan, identifier=d["volunteer"])
        if volunteer is None:
            form.add_error("volunteer", _("No student volunteer of this area has this number."))
        else:
            try:
                services.plan_line_add(
                    actor=request.user,
                    plan=plan,
                    need=needs[d["need"]],
                    volunteer=volunteer,
                    starts_at=d["starts_at"],
                )
            except ServiceError as exc:
                _denied(exc)
                add_service_error(form, exc, aliases={"need": "need", "volunteer": "volunteer"})
                return _render_plan(
                    request,
                    plan,
                    add_form=form,
                    error=str(exc.message),
                    status=_status(request, exc),
                )
            return _after_plan(
                request,
                plan,
                _("%(name)s is added to the plan.") % {"name": volunteer.name},
                f"#need-{d['need']}",
            )
    return _render_plan(request, plan, add_form=form, status=200 if _htmx(request) else 422)


@login_required
@require_POST
def plan_apply(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    try:
        offers = services.dispatch_plan_apply(actor=request.user, plan=plan)
    except ServiceError as exc:
        _denied(exc)
        return _render_plan(request, plan, error=str(exc.message), status=_status(request, exc))
    return _after_plan(
        request,
        plan,
        _("The plan is applied: %(n)d offers were sent to the volunteers.") % {"n": len(offers)},
    )


@login_required
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    try:
        services.dispatch_plan_discard(actor=request.user, plan=plan)
    except ServiceError as exc:
        _denied(exc)
        return _render_plan(request, plan, error=str(exc.message), status=_status(request, exc))
    return _after_plan(request, plan, _("The plan is discarded."))


# --- the volunteer's offers ---------------------------------------------------------------------
_PK = 2147483647  # stands for an assignment's pk in a reversed URL, replaced per row


def _offer_url(name: str) -> Any:
    """`dispatch:<name>` for any assignment with one reverse(): pk -> URL."""
    head, _sep, tail = reverse(f"dispatch:{name}", args=[_PK]).rpartition(str(_PK))
    return lambda pk: f"{head}{pk}{tail}"


def _offers_context(
    request: HttpRequest,
    *,
    error: str = "",
    notice: str = "",
    forms: dict[int, DeclineForm] | None = None,
) -> dict[str, Any]:
    """The page's two lists: offers waiting for an answer (still to start), then accepted places
    still to come, as selectors.OfferLine rows with their URLs (one reverse() per kind, not one
    {% url %} per row). A waiting row's `form` is the bound DeclineForm re-shown after a failed
    decline, else None: the page writes the empty reason box itself (decline_reason_parts)."""
    now = timezone.now()
    forms = forms or {}
    waiting, accepted = [], []
    for row in selectors.offer_page_lines(user=request.user):
        if row.state == NeedAssignment.State.OFFERED and row.starts_at > now:
            waiting.append(row)
        elif row.state == NeedAssignment.State.ACCEPTED and row.ends_at > now:
            accepted.append(row)
    if waiting:
        accept, decline = _offer_url("accept"), _offer_url("decline")
        for row in waiting:
            row.accept_url, row.decline_url = accept(row.ref), decline(row.ref)
            row.form = forms.get(row.pk)
            row.open = bool(row.form is not None and row.form.errors)
    if accepted:
        withdraw = _offer_url("withdraw")
        for row in accepted:
            row.withdraw_url = withdraw(row.ref)
    return {
        "waiting": waiting,
        "accepted": accepted,
        "decline": decline_reason_parts() if waiting else None,
        "offers_url": reverse("dispatch:offers"),
        "claims_url": reverse("dispatch:claims"),
        "error": error,
        "notice": notice,
    }


@page_cache
@login_required
def offers(request: HttpRequest) -> HttpResponse:
    if exports.requested(request):
        shown = _offers_context(request)  # the page's two lists: waiting, then accepted
        ids = [r.pk for r in [*shown["waiting"], *shown["accepted"]]]
        found = {a.pk: a for a in selectors.offers_for_user(user=request.user).filter(pk__in=ids)}
        return exports.respond(request, "needs.my_offers", [found[i] for i in ids if i in found])
    return render_page(request, OFFERS, _offers_context(request), partial="offers")


def _offer_or_404(request: HttpRequest, assignment_id: int) -> NeedAssignment:
    return get_or_404(
        selectors.assignment_get_for_volunteer, user=request.user, assignment_id=assignment_id
    )


def _after_offer(request: HttpRequest, message: str) -> HttpResponse:
    if _htmx(request):
        return render_page(
            request, OFFERS, _offers_context(request, notice=message), partial="offers"
        )
    messages.success(request, message)
    return redirect("dispatch:offers")


def _offer_failed(request: HttpRequest, exc: ServiceError, **kw: Any) -> HttpResponse:
    _denied(exc)
    context = _offers_context(request, error=str(exc.message), **kw)
    return render_page(request, OFFERS, context, partial="offers", status=_status(request, exc))


@login_required
@require_POST
def offer_accept(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _offer_or_404(request, assignment_id)
    try:
        services.assignment_accept(actor=request.user, assignment=assignment)
    except ServiceError as exc:
        return _offer_failed(request, exc)
    return _after_offer(
        request,
        _("You accepted %(title)s. You are on its shift: check in there on the day.")
        % {"title": assignment.need.title},
    )


@login_required
@require_POST
def offer_decline(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _offer_or_404(request, assignment_id)
    form = DeclineForm(request.POST, prefix=f"a{assignment.pk}")
    form.is_valid()
    try:
        services.assignment_decline(
            actor=request.user, assignment=assignment, reason=form.cleaned_data.get("reason", "")
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _offer_failed(request, exc, forms={assignment.pk: form})
    return _after_offer(
        request,
        _("You declined %(title)s; the dispatcher is told.") % {"title": assignment.need.title},
    )


@login_required
@require_POST
def offer_withdraw(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _offer_or_404(request, assignment_id)
    try:
        services.assignment_withdraw(
            actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        return _offer_failed(request, exc)
    return _after_offer(
        request, _("You are no longer on %(title)s.") % {"title": assignment.need.title}
    )


# --- open-claim needs (抢单) ----------------------------------------------------------------------
def _claims_context(request: HttpRequest, *, error: str = "", notice: str = "") -> dict[str, Any]:
    page = paginate(request, selectors.open_claims_for_user(user=request.user))
    for need in page.object_list:
        need.next_text = explain.moment_text(need.next_window) if need.next_window else ""
    return {
        "page": page,
        "error": error,
        "notice": notice,
    }


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    if exports.requested(request):
        rows = selectors.open_claims_for_user(user=request.user)
        return exports.respond(request, "needs.claims", rows)
    return render_page(request, CLAIMS, _claims_context(request), partial="claims")


@login_required
@require_POST
def claim_grab(request: HttpRequest, need_id: int) -> HttpResponse:
    need = (
        Need.objects.filter(pk=need_id, open_claim=True, is_bounty=False)
        .select_related("community")
        .first()
    )
    if need is None:
        raise Http404(_("No such need open to claim."))
    try:
        assignment = services.need_grab(actor=request.user, need=need)
    except ServiceError as exc:
        _denied(exc)
        context = _claims_context(request, error=str(exc.message))
        return render_page(request, CLAIMS, context, partial="claims", status=_status(request, exc))
    message = _("It is yours: %(title)s at %(time)s. It is on your offers page.") % {
        "title": need.title,
        "time": timezone.localtime(assignment.starts_at).strftime("%m-%d %H:%M"),
    }
    if _htmx(request):
        return render_page(
            request, CLAIMS, _claims_context(request, notice=message), partial="claims"
        )
    messages.success(request, message)
    return redirect("dispatch:offers")

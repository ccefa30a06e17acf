"""Pages of the care app: the overview (counts for admins; my relationships, visits to confirm
and open concerns; the beneficiaries I may see, masked), a beneficiary's record (the sensitive
fields only after a reason, unless assigned), a relationship with its visits and hand-over
history, and the supervisor's confirmation. Every read of a beneficiary is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.care import sealing, selectors, services, visibility
from qingshe.care.forms import ConcernForm, RejectForm, RevealForm, VisitForm
from qingshe.care.models import Concern
from qingshe.core import access
from qingshe.core.errors import ServiceError
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.lib import ids


def _age(birth: Any) -> int:
    return ids.age_on(birth, timezone.localdate())


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = paginate(request, selectors.beneficiary_list_for_user(user=user))
    beneficiaries = list(page.object_list)
    selectors.audit_list_read(user=user, beneficiaries=beneficiaries, why="page.index")
    for b in beneficiaries:
        b.age = _age(b.birth_date)  # type: ignore[attr-defined]
    context = {
        "stats": selectors.stats_for_user(user=user),
        "page": page,
        "beneficiaries": beneficiaries,
        "relationships": list(selectors.relationships_for_user(user=user)[:50]),
        "to_confirm": list(selectors.visits_to_confirm(user=user)[:50]),
        "concerns": list(selectors.concerns_open_for_user(user=user)[:50]),
        "campaigns": list(selectors.campaigns_for_user(user=user)[:20]),
        "care_role": bool(visibility.care_community_ids(user)),
    }
    return render_page(request, "care/index.html", context)


@login_required
def beneficiary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    why = "page.reveal" if request.method == "POST" else "page.detail"
    beneficiary = get_or_404(
        selectors.beneficiary_get_for_user, user=user, beneficiary_id=pk, why=why
    )
    beneficiary.age = _age(beneficiary.birth_date)  # type: ignore[attr-defined]
    assigned = access.can(user, "care.beneficiary.view_without_reason", beneficiary)
    details = None
    form = RevealForm(request.POST or None)
    if assigned and request.method != "POST":
        details = services.beneficiary_reveal(actor=user, beneficiary=beneficiary)
    elif request.method == "POST" and form.is_valid():
        try:
            details = services.beneficiary_reveal(
                actor=user, beneficiary=beneficiary, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
    context = {
        "b": beneficiary,
        "details": details,
        "form": form,
        "assigned": assigned,
        "relationships": list(selectors.relationships_for_user(user=user, beneficiary=beneficiary)),
        "consents": list(beneficiary.consents.all()),
        "can_manage": access.can(user, "care.relationship.manage", beneficiary),
    }
    return render_page(
        request, "care/beneficiary.html", context, status=200 if not form.errors else 422
    )


def _relationship_context(
    request: HttpRequest, relationship: Any, visit_form: VisitForm | None = None
) -> dict[str, Any]:
    user = request.user
    visits = list(selectors.visits_of(relationship=relationship).select_related("attendance"))
    supervising = access.can(user, "care.visit.confirm", relationship)
    if supervising:
        for v in visits:
            v.observations = selectors.observations_of(v)  # type: ignore[attr-defined]
    concerns = list(
        relationship.concerns.select_related("raised_by").order_by(
            "handled_at", "-priority", "-created_at"
        )
    )
    handles = access.can(user, "care.concern.handle", relationship)
    if handles:
        for c in concerns:
            c.text = selectors.concern_text(c)  # type: ignore[attr-defined]
    return {
        "r": relationship,
        "helpers": selectors.current_helpers(relationship),
        "history": selectors.assignment_history(relationship),
        "visits": visits,
        "concerns": concerns,
        "can_log": access.can(user, "care.visit.log", relationship),
        "supervising": supervising,
        "handles": handles,
        "can_manage": access.can(user, "care.relationship.manage", relationship.beneficiary),
        "visit_form": visit_form or VisitForm(initial={"day": timezone.localdate(), "minutes": 90}),
        "reject_form": RejectForm(),
        "concern_form": ConcernForm(),
    }


@login_required
def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = get_or_404(
        selectors.relationship_get_for_user,
        user=request.user,
        relationship_id=pk,
        why="page.detail",
    )
    return render_page(
        request, "care/relationship.html", _relationship_context(request, relationship)
    )


@login_required
@require_POST
def visit_log(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = get_or_404(
        selectors.relationship_get_for_user,
        user=request.user,
        relationship_id=pk,
        why="page.visit_log",
    )
    form = VisitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        started = timezone.make_aware(datetime.combine(d["day"], d["start"]))
        try:
            services.visit_log(
                actor=request.user,
                relationship=relationship,
                started_at=started,
                minutes=d["minutes"],
                done=d["done"],
                observations=d["observations"],
                concern=d["concern"],
                concern_priority=d["concern_priority"],
            )
        except ServiceError as exc:
            add_service_error(form, exc, aliases={"started_at": "day"})
        else:
            messages.success(
                request, _("The visit is logged and waits for the supervisor's confirmation.")
            )
            return redirect("care:relationship", pk=pk)
    context = _relationship_context(request, relationship, visit_form=form)
    return render_page(request, "care/relationship.html", context, status=422)


@login_required
@require_POST
def visit_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    visit = get_or_404(selectors.visit_get_for_user, user=request.user, visit_id=pk)
    try:
        if decision == "confirm":
            services.visit_confirm(actor=request.user, visit=visit)
            messages.success(request, _("Confirmed: the hours are credited to the volunteer."))
        else:
            services.visit_reject(
                actor=request.user, visit=visit, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The visit is marked as not confirmed."))
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    back = request.POST.get("next", "")
    # Only back to a page of this site: never to another host named in the form.
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(f"/care/relationships/{visit.relationship_id}/")


@login_required
@require_POST
def concern_handle(request: HttpRequest, pk: int) -> HttpResponse:
    concern = Concern.objects.select_related("relationship").filter(pk=pk).first()
    if concern is None:
        raise Http404
    try:
        services.concern_handle(
            actor=request.user, concern=concern, note=request.POST.get("note", "")
        )
        messages.success(request, _("The concern is marked as handled."))
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    return redirect("care:relationship", pk=concern.relationship_id)


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    from qingshe.care.exports import beneficiaries_csv

    try:
        body = beneficiaries_csv(actor=request.user)
    except ServiceError as exc:
        raise Http404 from exc
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="beneficiaries.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_or_404(selectors.campaign_get_for_user, user=request.user, campaign_id=pk)
    households = list(selectors.households_for_user(user=request.user, campaign=campaign))
    if request.method == "POST":
        household = next(
            (h for h in households if str(h.pk) == request.POST.get("household")), None
        )
        if household is None:
            raise Http404
        try:
            visited = datetime.strptime(request.POST.get("visited_on", ""), "%Y-%m-%d").date()
        except ValueError:
            messages.error(request, _("Enter the date of the visit."))
        else:
            try:
                services.household_record(
                    actor=request.user,
                    household=household,
                    given=request.POST.get("given", ""),
                    visited_on=visited,
                )
                messages.success(request, _("Recorded."))
            except ServiceError as exc:
                messages.error(request, str(exc.message))
        return redirect("care:campaign", pk=pk)
    for h in households:
        h.beneficiary_address = sealing.mask_address(  # type: ignore[attr-defined]
            sealing.unseal(h.beneficiary.sealed, context=sealing.BENEFICIARY_CONTEXT).get(
                "address", ""
            )
        )
    audit_ids = [h.beneficiary for h in households]
    selectors.audit_list_read(user=request.user, beneficiaries=audit_ids, why="page.campaign")
    return render_page(
        request,
        "care/campaign.html",
        {
            "campaign": campaign,
            "households": households,
            "today": timezone.localdate(),
            "can_manage": access.can(request.user, "care.campaign.manage", campaign.community),
        },
    )

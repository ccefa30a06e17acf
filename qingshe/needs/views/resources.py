"""Pages under /resources/: the resource list (资源清单) with its filters and the owners' form, a
resource's page, the bounty board (揭榜挂帅) with its claim form, and a bounty's page with its
claim history and the claimant's actions (hand on, start, withdraw).

Thin views: reads through needs.selectors, writes through needs.services. On a bounty's page
an htmx button's answer is the page's changed part (#workflow); without htmx a redirect, or the
page again with the service's error and its status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core.errors import Conflict, ServiceError, ValidationFailed
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.needs import selectors, services
from qingshe.needs.forms_resources import AssignForm, ClaimForm, ResourceForm, WithdrawForm
from qingshe.needs.models import Need, Resource
from qingshe.orgs.models import Organisation

BOUNTY = "needs/bounty_detail.html"


def _query(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v}
    return urlencode(kept) + "&" if kept else ""


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- the resource list --------------------------------------------------------------------------
@login_required
def resource_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    kind = request.GET.get("kind", "")
    filters: dict[str, Any] = {
        "kind": kind if kind in Resource.Kind.values else "",
        "available_on": _day(request.GET.get("available_on")),
        "owner_id": _int(request.GET.get("owner")),
        "mine": request.GET.get("mine") == "1",
    }
    # "Ours" lists withdrawn ones too; the service lets only their managers see those.
    state = "" if filters["mine"] else Resource.State.AVAILABLE
    resources = selectors.resource_list_for_user(user=user, state=state, **filters)
    if exports.requested(request):
        return exports.respond(request, "needs.resources", resources)
    owners = selectors.resource_owners_for(user=user)
    offered_by = Organisation.objects.filter(
        pk__in=selectors.resource_list_for_user(user=user).values("owner_id")
    ).order_by("path")
    context = {
        "page": paginate(request, resources),
        "query": _query(
            kind=filters["kind"],
            available_on=filters["available_on"].isoformat() if filters["available_on"] else "",
            owner=filters["owner_id"] or "",
            mine="1" if filters["mine"] else "",
        ),
        "filters": filters,
        "kinds": Resource.Kind.choices,
        "offered_by": offered_by,
        "can_offer": owners.exists(),
    }
    return render_page(request, "needs/resource_list.html", context, partial="results")


def _resource_or_404(request: HttpRequest, pk: int) -> Resource:
    return get_or_404(selectors.resource_get_for_user, user=request.user, resource_id=pk)


def _save_resource(
    request: HttpRequest, form: ResourceForm, resource: Resource | None
) -> Resource | None:
    d = form.cleaned_data
    fields = {
        k: d.get(k)
        for k in (
            "kind",
            "title",
            "description",
            "quantity",
            "unit",
            "available_from",
            "available_until",
            "availability_note",
            "address",
        )
    }
    try:
        if resource is None:
            return services.resource_create(actor=request.user, owner=d["owner"], **fields)
        return services.resource_update(actor=request.user, resource=resource, **fields)
    except ServiceError as exc:
        add_service_error(form, exc)
        return None


@login_required
def resource_create(request: HttpRequest) -> HttpResponse:
    owners = selectors.resource_owners_for(user=request.user)
    first = owners.first()
    if first is None:
        raise PermissionDenied(_("Only partner contacts and admins can offer resources."))
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        initial={"owner": first.pk, "kind": Resource.Kind.VENUE},
    )
    if request.method == "POST" and form.is_valid():
        resource = _save_resource(request, form, None)
        if resource is not None:
            messages.success(request, _("The resource is on the list."))
            return redirect("resources:detail", resource.pk)
    return render_page(request, "needs/resource_form.html", {"form": form, "resource": None})


@login_required
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    if not selectors.resource_permissions(user=request.user, resource=resource)["can_manage"]:
        raise PermissionDenied(_("Only the unit's contacts and admins can change its resources."))
    initial = {
        name: getattr(resource, name)
        for name in (
            "kind",
            "title",
            "description",
            "quantity",
            "unit",
            "available_from",
            "available_until",
            "availability_note",
            "address",
        )
    }
    initial["owner"] = resource.owner_id
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        owners=Organisation.objects.filter(pk=resource.owner_id),
        fixed_owner=True,
        initial=initial,
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_resource(request, form, resource) is not None
    ):
        messages.success(request, _("The resource has been saved."))
        return redirect("resources:detail", resource.pk)
    return render_page(request, "needs/resource_form.html", {"form": form, "resource": resource})


def _resource_page(
    request: HttpRequest, resource: Resource, *, form: WithdrawForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "resource": resource,
        "groups": selectors.resource_groups(user=request.user, resource=resource),
        "withdraw_form": form or WithdrawForm(),
        **selectors.resource_permissions(user=request.user, resource=resource),
    }
    return render_page(request, "needs/resource_detail.html", context, status=status)


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _resource_page(request, _resource_or_404(request, pk))


@login_required
@require_POST
def resource_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.resource_withdraw(
            actor=request.user, resource=resource, reason=form.cleaned_data.get("reason", "")
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _resource_page(request, resource, form=form, status=exc.status)
    messages.success(request, _("The resource has been withdrawn from the list."))
    return redirect("resources:detail", resource.pk)


@login_required
@require_POST
def resource_unlink(request: HttpRequest, pk: int, group_id: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    group = resource.groups.filter(pk=group_id).first()
    if group is None:
        raise PermissionDenied(_("This group does not use this resource."))
    try:
        services.resource_unlink_group(actor=request.user, resource=resource, group=group)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("resources:detail", resource.pk)
    messages.success(request, _("%(group)s no longer uses this resource.") % {"group": group.name})
    return redirect("resources:detail", resource.pk)


# --- the bounty board ---------------------------------------------------------------------------
def _claim_choices(user: Any) -> dict[str, Any]:
    claimants = selectors.claimants_for(user=user)
    return {
        "claimants": claimants,
        "departments": selectors.assignable_departments(claimants=claimants),
        "groups": selectors.assignable_groups(claimants=claimants),
    }


def _claim_form(choices: dict[str, Any], data: Any = None) -> ClaimForm:
    claimants = choices["claimants"]
    return ClaimForm(
        data,
        claimants=Organisation.objects.filter(pk__in=[c.pk for c in claimants]).order_by("path"),
        departments=choices["departments"],
        groups=choices["groups"],
        initial={"claimant": claimants[0].pk} if claimants else None,
    )


@login_required
def bounty_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    status = status if status in selectors.BOARD_FILTERS else ""
    bounties = selectors.bounty_board_for_user(user=user, status=status)
    if exports.requested(request):
        return exports.respond(request, "needs.bounties", bounties)
    page = paginate(request, bounties)
    choices = _claim_choices(user)
    rows = []
    for need in page.object_list:
        perms = selectors.bounty_permissions(
            user=user, need=need, claimants=choices["claimants"], steps=False
        )
        rows.append(
            {
                "need": need,
                "claim": perms["claim"] or perms["done_claim"],
                "can_claim": perms["can_claim"],
            }
        )
    if any(row["can_claim"] for row in rows):
        # Read once for every claim form on the page.
        choices = {
            **choices,
            "departments": list(choices["departments"]),
            "groups": list(choices["groups"]),
        }
    context = {
        "page": page,
        "rows": rows,
        "query": _query(status=status),
        "claim_choices": choices,
        "status": status,
        "statuses": [
            ("open", _("Open to take up")),
            ("taken", _("Being carried out")),
            ("done", _("Carried out")),
        ],
    }
    return render_page(request, "needs/bounty_board.html", context, partial="results")


def _bounty_or_404(request: HttpRequest, pk: int) -> Need:
    return get_or_404(selectors.bounty_get_for_user, user=request.user, need_id=pk)


def _bounty_context(
    request: HttpRequest,
    need: Need,
    *,
    claim_form: ClaimForm | None = None,
    assign_form: AssignForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    user = request.user
    choices = _claim_choices(user)
    perms = selectors.bounty_permissions(user=user, need=need, claimants=choices["claimants"])
    claim = perms["claim"]
    if perms["can_assign"] and assign_form is None:
        owned_by = [claim.claimant]
        assign_form = AssignForm(
            departments=selectors.assignable_departments(claimants=owned_by),
            groups=selectors.assignable_groups(claimants=owned_by),
            initial={"assigned_org": claim.assigned_org_id, "group": claim.assigned_group_id},
        )
    return {
        "need": need,
        "claims": list(selectors.bounty_claims(need=need)),
        "claim_form": claim_form or (_claim_form(choices) if perms["can_claim"] else None),
        "assign_form": assign_form,
        "withdraw_form": withdraw_form or WithdrawForm(),
        "notice": notice,
        "error": error,
        **perms,
    }


@login_required
def bounty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _bounty_or_404(request, pk)
    return render_page(request, BOUNTY, _bounty_context(request, need), partial="workflow")


def _after(request: HttpRequest, need: Need, message: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        need = _bounty_or_404(request, need.pk)
        context = _bounty_context(request, need, notice=message)
        return render_page(request, BOUNTY, context, partial="workflow")
    messages.success(request, message)
    return redirect("resources:bounty", need.pk)


def _failed(request: HttpRequest, need: Need, exc: ServiceError, **forms: Any) -> HttpResponse:
    # htmx swaps only 2xx answers: the part with the error comes back as 200.
    status = 200 if getattr(request, "htmx", False) else exc.status
    need = _bounty_or_404(request, need.pk)
    context = _bounty_context(request, need, error=str(exc.message), **forms)
    return render_page(request, BOUNTY, context, partial="workflow", status=status)


@login_required
@require_POST
def bounty_claim(request: HttpRequest, pk: int) -> HttpResponse:
    need = _bounty_or_404(request, pk)
    choices = _claim_choices(request.user)
    if not choices["claimants"]:
        raise PermissionDenied(
            _("Only the university's or the department's league admins can take up a bounty.")
        )
    # The board's forms carry a prefix per bounty; the bounty's own page has none. An error is
    # shown on the bounty's page, in its own (unprefixed) form.
    prefix = f"b{need.pk}-"
    data: Any = request.POST
    if any(key.startswith(prefix) for key in data):
        data = {key.removeprefix(prefix): value for key, value in data.items()}
    form = _claim_form(choices, data)
    if not form.is_valid():
        invalid = ValidationFailed("invalid_input", _("Please correct the marked fields."))
        return _failed(request, need, invalid, claim_form=form)
    d = form.cleaned_data
    try:
        services.bounty_claim(
            actor=request.user,
            need=need,
            claimant=d["claimant"],
            assigned_org=d.get("assigned_org"),
            group=d.get("group"),
            plan=d.get("plan", ""),
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, need, exc, claim_form=form)
    return _after(
        request,
        need,
        _("You have taken up the bounty; the community has been told."),
    )


@login_required
@require_POST
def bounty_assign(request: HttpRequest, pk: int) -> HttpResponse:
    need = _bounty_or_404(request, pk)
    perms = selectors.bounty_permissions(user=request.user, need=need, claimants=[])
    claim = perms["claim"]
    if claim is None:
        missing = Conflict("bounty_not_claimed", _("Nobody has taken up this bounty."))
        return _failed(request, need, missing)
    owned_by = [claim.claimant]
    form = AssignForm(
        request.POST,
        departments=selectors.assignable_departments(claimants=owned_by),
        groups=selectors.assignable_groups(claimants=owned_by),
    )
    form.is_valid()
    try:
        services.bounty_assign(
            actor=request.user,
            need=need,
            assigned_org=form.cleaned_data.get("assigned_org"),
            group=form.cleaned_data.get("group"),
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, need, exc, assign_form=form)
    return _after(request, need, _("The bounty has been handed on."))


@login_required
@require_POST
def bounty_start(request: HttpRequest, pk: int) -> HttpResponse:
    need = _bounty_or_404(request, pk)
    try:
        services.bounty_start(actor=request.user, need=need)
    except ServiceError as exc:
        return _failed(request, need, exc)
    return _after(request, need, _("The work has started; the community has been told."))


@login_required
@require_POST
def bounty_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    need = _bounty_or_404(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.bounty_withdraw(
            actor=request.user, need=need, reason=form.cleaned_data.get("reason", "")
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, need, exc, withdraw_form=form)
    return _after(request, need, _("The claim has been withdrawn; the bounty is open again."))

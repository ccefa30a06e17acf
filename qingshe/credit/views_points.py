"""Pages of points and rewards (phone-first for students): my points with the reason of every
movement, the reward shop, a reward with its redeem button, my redemptions with their codes (QR),
one redemption (the partner scans its QR code and hands the reward over); and the partner circle:
the circle's units, a unit's page (resources, rewards, venues, what they achieved; its managers
put up rewards and look up codes), applying to join, the league's decisions."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core import access
from qingshe.core.errors import ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.credit import selectors_points as sel
from qingshe.credit import services_circle, services_rewards
from qingshe.credit.forms_points import (
    CodeForm,
    DecideForm,
    PartnerApplicationForm,
    ReasonForm,
    RestockForm,
    RewardForm,
)
from qingshe.credit.models import Redemption, Reward
from qingshe.credit.services_rewards import can_manage_rewards


def _fail(request: HttpRequest, exc: ServiceError) -> None:
    if exc.status == 404:
        raise Http404(str(exc.message)) from exc
    messages.error(request, str(exc.message))


# --- my points ----------------------------------------------------------------------------------
@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    if exports.requested(request):
        return exports.respond(request, "credit.points", sel.lines_of(user=request.user))
    context = {
        "points": sel.my_points(user=request.user),
        "rules": sel.rules_in_force_for(user=request.user),
        "tab": "points",
    }
    return render_page(request, "credit/points/my_points.html", context)


# --- the reward shop ----------------------------------------------------------------------------
@login_required
def reward_shop(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:40]
    affordable = request.GET.get("affordable") == "1"
    rewards = sel.rewards_for_user(user=request.user, q=q, affordable=affordable)
    if exports.requested(request):
        return exports.respond(request, "credit.rewards", rewards)
    page = paginate(request, rewards)
    query = "&".join(
        f"{k}={v}" for k, v in (("q", q), ("affordable", "1" if affordable else "")) if v
    )
    context = {
        "page": page,
        "q": q,
        "affordable": affordable,
        "query": f"{query}&" if query else "",
        "balance": sel.my_points(user=request.user, limit=0).balance,
        "tab": "rewards",
    }
    return render_page(request, "credit/points/shop.html", context, partial="results")


@login_required
def reward_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reward = get_or_404(sel.reward_get_for_user, user=request.user, reward_id=pk)
    mine = sel.my_redemptions(user=request.user).filter(reward=reward)
    manager = can_manage_rewards(request.user, reward.partner)
    context = {
        "reward": reward,
        "mine": mine[:10],
        "balance": sel.my_points(user=request.user, limit=0).balance,
        "manager": manager,
        "restock_form": RestockForm() if manager else None,
        "tab": "rewards",
    }
    return render_page(request, "credit/points/reward.html", context)


@login_required
@require_POST
def reward_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    reward = get_or_404(sel.reward_get_for_user, user=request.user, reward_id=pk)
    try:
        redemption = services_rewards.reward_redeem(actor=request.user, reward=reward)
    except ServiceError as exc:
        _fail(request, exc)
        return redirect("credit:reward", pk=reward.pk)
    messages.success(
        request,
        _("Redeemed. Show this code to %(partner)s.") % {"partner": reward.partner.display_name},
    )
    return redirect("credit:redemption", code=redemption.code)


@login_required
@require_POST
def reward_manage(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    reward = get_or_404(sel.reward_get_for_user, user=request.user, reward_id=pk)
    if not can_manage_rewards(request.user, reward.partner):
        raise Http404(_("No such reward."))
    try:
        if what == "restock":
            form = RestockForm(request.POST)
            form.is_valid()
            services_rewards.reward_restock(
                actor=request.user, reward=reward, add=form.cleaned_data.get("add")
            )
            messages.success(request, _("Stock added."))
        elif what == "withdraw":
            services_rewards.reward_withdraw(actor=request.user, reward=reward)
            messages.success(request, _("Withdrawn: no more redemptions."))
        else:
            raise Http404
    except ServiceError as exc:
        _fail(request, exc)
    return redirect("credit:reward", pk=reward.pk)


# --- redemptions --------------------------------------------------------------------------------
@login_required
def my_redemptions(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in Redemption.State.values:
        state = ""
    redemptions = sel.my_redemptions(user=request.user, state=state)
    if exports.requested(request):
        return exports.respond(request, "credit.redemptions", redemptions)
    page = paginate(request, redemptions)
    context = {
        "page": page,
        "state": state,
        "states": Redemption.State.choices,
        "query": f"state={state}&" if state else "",
        "tab": "redemptions",
    }
    return render_page(request, "credit/points/my_redemptions.html", context, partial="results")


def redemption_qr(request: HttpRequest, redemption: Redemption) -> str:
    url = request.build_absolute_uri(reverse("credit:redemption", args=[redemption.code]))
    svg = segno.make(url, error="m").svg_inline(
        scale=6, border=2, omitsize=True, svgclass="qr__svg", title=_("Redemption code")
    )
    return mark_safe(svg)  # noqa: S308 -- segno writes the markup and escapes the URL in it


@login_required
def redemption_detail(request: HttpRequest, code: str) -> HttpResponse:
    redemption = get_or_404(sel.redemption_get_for_user, user=request.user, code=code)
    own = redemption.user_id == request.user.pk
    manager = can_manage_rewards(request.user, redemption.reward.partner)
    context = {
        "r": redemption,
        "own": own,
        "manager": manager,
        "qr_svg": redemption_qr(request, redemption)
        if redemption.state == Redemption.State.ISSUED
        else "",
        "cancel_form": ReasonForm(),
        "tab": "redemptions" if own else "",
    }
    return render_page(request, "credit/points/redemption.html", context)


@login_required
@require_POST
def redemption_act(request: HttpRequest, code: str, what: str) -> HttpResponse:
    redemption = get_or_404(sel.redemption_get_for_user, user=request.user, code=code)
    try:
        if what == "hand-over":
            services_rewards.redemption_hand_over(actor=request.user, redemption=redemption)
            messages.success(request, _("Handed over: the code is now used."))
        elif what == "cancel":
            form = ReasonForm(request.POST)
            form.is_valid()
            services_rewards.redemption_cancel(
                actor=request.user,
                redemption=redemption,
                reason=form.cleaned_data.get("reason", ""),
            )
            messages.success(request, _("Cancelled: the points are back."))
        else:
            raise Http404
    except ServiceError as exc:
        _fail(request, exc)
    return redirect("credit:redemption", code=redemption.code)


# --- the partner circle -------------------------------------------------------------------------
@login_required
def partner_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:40]
    partners = sel.partners_for_user(user=request.user, q=q)
    if exports.requested(request):
        return exports.respond(request, "credit.partners", partners)
    page = paginate(request, partners)
    context = {
        "page": page,
        "q": q,
        "query": f"q={q}&" if q else "",
        "mine": sel.managed_partners(user=request.user)[:10],
        "to_decide": sel.applications_to_decide(user=request.user).count(),
        "tab": "partners",
    }
    return render_page(request, "credit/points/partners.html", context, partial="results")


@login_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_or_404(sel.partner_get_for_user, user=request.user, partner_id=pk)
    manager = can_manage_rewards(request.user, partner)
    from qingshe.needs.models import Resource

    resources = Resource.objects.filter(owner=partner, state=Resource.State.AVAILABLE).order_by(
        "-pk"
    )
    form = None
    status = 200
    if manager:
        form = RewardForm(request.POST or None, resources=resources)
        if request.method == "POST":
            status = 422
            if form.is_valid():
                try:
                    reward = services_rewards.reward_create(
                        actor=request.user, partner=partner, **form.cleaned_data
                    )
                except ServiceError as exc:
                    add_service_error(form, exc)
                    status = exc.status
                else:
                    messages.success(
                        request, _("Reward put up: %(title)s") % {"title": reward.title}
                    )
                    return redirect("credit:partner", pk=partner.pk)
    elif request.method == "POST":
        raise Http404(_("No such partner unit."))
    context = {
        "partner": partner,
        "manager": manager,
        "achievements": sel.partner_achievements(partner=partner),
        "resources": resources[:20],
        "rewards": _partner_rewards(partner, manager)[:30],
        "venues": partner.venues.filter(is_active=True)[:20],
        "reward_form": form,
        "code_form": CodeForm() if manager else None,
        "redemptions": sel.partner_redemptions(
            user=request.user, partner=partner, state=Redemption.State.ISSUED
        )[:20]
        if manager
        else [],
        "tab": "partners",
    }
    return render_page(request, "credit/points/partner.html", context, status=status)


def _partner_rewards(partner: Any, manager: bool) -> Any:
    """What the circle sees: rewards redeemable now or later; the unit's managers see all."""
    rewards = Reward.objects.filter(partner=partner)
    if not manager:
        rewards = rewards.filter(state=Reward.State.LISTED, valid_until__gte=timezone.localdate())
    return rewards.order_by("state", "price", "-pk")


@login_required
def partner_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner types in a code read out or shown on a phone that would not scan."""
    partner = get_or_404(sel.partner_get_for_user, user=request.user, partner_id=pk)
    if not can_manage_rewards(request.user, partner):
        raise Http404(_("No such partner unit."))
    form = CodeForm(request.GET)
    if form.is_valid():
        try:
            r = sel.redemption_get_for_user(user=request.user, code=form.cleaned_data["code"])
        except ServiceError:
            r = None
        if r is not None and r.reward.partner_id == partner.pk:
            return redirect("credit:redemption", code=r.code)
    messages.error(request, _("No such redemption code for this unit."))
    return redirect("credit:partner", pk=partner.pk)


@login_required
def partner_join(request: HttpRequest) -> HttpResponse:
    form = PartnerApplicationForm(
        request.POST or None, committees=sel.committees_for_applying(user=request.user)
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services_circle.partner_apply(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Application sent; the league committee will decide."))
                return redirect("credit:partner_join")
    context = {
        "form": form,
        "applications": sel.my_applications(user=request.user),
        "tab": "partners",
    }
    return render_page(request, "credit/points/partner_join.html", context, status=status)


@login_required
def partner_applications(request: HttpRequest) -> HttpResponse:
    pending = sel.applications_to_decide(user=request.user)
    if not pending.exists() and not access.has_role(request.user, access.ORG_ACTIONS["org.manage"]):
        raise Http404(_("No such application."))
    context = {"applications": pending[:50], "form": DecideForm(), "tab": "partners"}
    return render_page(request, "credit/points/partner_applications.html", context)


@login_required
@require_POST
def partner_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_or_404(sel.application_get_for_user, user=request.user, application_id=pk)
    form = DecideForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        services_circle.partner_decide(
            actor=request.user,
            application=application,
            approve=approve,
            note=form.cleaned_data.get("note", ""),
        )
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            (_("%(name)s has joined the partner circle") if approve else _("Turned down: %(name)s"))
            % {"name": application.name},
        )
    return redirect("credit:partner_applications")

"""Pages of crowdfunding (campaigns with their progress, pledging, the instructor marking pledges
received), venues (the list, a venue's week with its opening hours and bookings, booking a slot,
listing a venue), the league's earning rules and commendations (the ranking of a period and
commending from it)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core.errors import ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.credit import selectors_points as sel
from qingshe.credit import services_circle, services_commend, services_points, services_venues
from qingshe.credit.forms_points import (
    BookingForm,
    CampaignForm,
    PeriodForm,
    PledgeForm,
    ReasonForm,
    RuleForm,
    VenueForm,
)
from qingshe.credit.models import Campaign, Pledge, PointsRule, Venue, VenueBooking
from qingshe.orgs.models import Organisation


def _fail(request: HttpRequest, exc: ServiceError) -> None:
    if exc.status == 404:
        raise Http404(str(exc.message)) from exc
    messages.error(request, str(exc.message))


# --- campaigns ----------------------------------------------------------------------------------
@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", Campaign.State.OPEN)
    if state not in (*Campaign.State.values, "all"):
        state = Campaign.State.OPEN
    campaigns = sel.campaigns_for_user(user=request.user, state="" if state == "all" else state)
    if exports.requested(request):
        return exports.respond(request, "credit.campaigns", campaigns)
    page = paginate(request, campaigns)
    for c in page.object_list:
        c.percent = sel.percent(c.pledged, c.goal)
    context = {
        "page": page,
        "state": state,
        "query": f"state={state}&",
        "can_open": sel.groups_run_by(user=request.user).exists(),
        "tab": "campaigns",
    }
    return render_page(request, "credit/points/campaigns.html", context, partial="results")


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    groups = sel.groups_run_by(user=request.user)
    if not groups.exists():
        raise Http404(_("You run no project group."))
    form = CampaignForm(request.POST or None, groups=groups, initial=_group_initial(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                campaign = services_circle.campaign_open(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The campaign is open."))
                return redirect("credit:campaign", pk=campaign.pk)
    return render_page(
        request,
        "credit/points/campaign_form.html",
        {"form": form, "tab": "campaigns"},
        status=status,
    )


def _group_initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"deadline": timezone.localdate() + timedelta(days=30)}
    if (group := request.GET.get("group", "")).isdigit():
        initial["group"] = int(group)
    return initial


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_or_404(sel.campaign_get_for_user, user=request.user, campaign_id=pk)
    form = PledgeForm(request.POST or None, partners=sel.managed_partners(user=request.user))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services_circle.pledge_make(
                    actor=request.user, campaign=campaign, **form.cleaned_data
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Thank you! Your pledge is recorded."))
                return redirect("credit:campaign", pk=campaign.pk)
    group = campaign.group
    context = {
        "c": campaign,
        "percent": sel.percent(getattr(campaign, "pledged", None), campaign.goal),
        "pledges": sel.pledges_of(campaign=campaign)[:100],
        "form": form,
        "is_instructor": group.instructor_id == request.user.pk,
        "runs": services_circle.can_run_campaign(request.user, group),
        "open": campaign.state == Campaign.State.OPEN and campaign.deadline >= timezone.localdate(),
        "tab": "campaigns",
    }
    return render_page(request, "credit/points/campaign.html", context, status=status)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_or_404(sel.campaign_get_for_user, user=request.user, campaign_id=pk)
    try:
        services_circle.campaign_close(actor=request.user, campaign=campaign)
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect("credit:campaign", pk=campaign.pk)


@login_required
@require_POST
def pledge_act(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    pledge = Pledge.objects.select_related("campaign").filter(pk=pk).first()
    if pledge is None:
        raise Http404(_("No such pledge."))
    get_or_404(sel.campaign_get_for_user, user=request.user, campaign_id=pledge.campaign_id)
    try:
        if what == "receive":
            services_circle.pledge_receive(actor=request.user, pledge=pledge)
            messages.success(request, _("Marked received."))
        elif what == "withdraw":
            services_circle.pledge_withdraw(actor=request.user, pledge=pledge)
            messages.success(request, _("Your pledge is withdrawn."))
        else:
            raise Http404
    except ServiceError as exc:
        _fail(request, exc)
    return redirect("credit:campaign", pk=pledge.campaign_id)


# --- venues -------------------------------------------------------------------------------------
@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in Venue.Kind.values:
        kind = ""
    q = (request.GET.get("q") or "").strip()[:40]
    venues = sel.venues_for_user(user=request.user, kind=kind, q=q)
    if exports.requested(request):
        return exports.respond(request, "credit.venues", venues)
    page = paginate(request, venues)
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("q", q)) if v)
    context = {
        "page": page,
        "kind": kind,
        "kinds": Venue.Kind.choices,
        "q": q,
        "query": f"{query}&" if query else "",
        "can_list": sel.venue_owners_for_user(user=request.user).exists(),
        "mine": sel.bookings_for_user(user=request.user).filter(
            state=VenueBooking.State.BOOKED, ends_at__gte=timezone.now()
        )[:10],
        "tab": "venues",
    }
    return render_page(request, "credit/points/venues.html", context, partial="results")


@login_required
def venue_new(request: HttpRequest) -> HttpResponse:
    owners = sel.venue_owners_for_user(user=request.user)
    if not owners.exists():
        raise Http404(_("No such venue."))
    form = VenueForm(request.POST or None, owners=owners)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                venue = services_venues.venue_create(
                    actor=request.user,
                    owner=d["owner"],
                    kind=d["kind"],
                    name=d["name"],
                    capacity=d["capacity"],
                    opening_hours=form.opening_hours(),
                    address=d["address"],
                    description=d["description"],
                )
            except ServiceError as exc:
                add_service_error(form, exc, aliases={"opening_hours": "opens"})
                status = exc.status
            else:
                messages.success(request, _("The venue is listed."))
                return redirect("credit:venue", pk=venue.pk)
    return render_page(
        request, "credit/points/venue_form.html", {"form": form, "tab": "venues"}, status=status
    )


def _monday(request: HttpRequest) -> date:
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


@login_required
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue's week (opening hours and bookings, day by day) and the booking form."""
    venue = get_or_404(sel.venue_get_for_user, user=request.user, venue_id=pk)
    activities = list(sel.activities_run_by(user=request.user)[:30])
    groups = list(sel.groups_run_by(user=request.user)[:30])
    form = None
    status = 200
    if activities or groups:
        form = BookingForm(
            request.POST or None,
            activities=activities,
            groups=groups,
            initial={"day": timezone.localdate() + timedelta(days=1)},
        )
        if request.method == "POST":
            status = 422
            if form.is_valid():
                activity, group = form.target()
                starts_at, ends_at = form.times()
                try:
                    booking = services_venues.booking_create(
                        actor=request.user,
                        venue=venue,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        purpose=form.cleaned_data["purpose"],
                        people=form.cleaned_data["people"],
                        activity=activity,
                        group=group,
                    )
                except ServiceError as exc:
                    add_service_error(
                        form,
                        exc,
                        aliases={"starts_at": "start", "ends_at": "end", "activity": "booked_for"},
                    )
                    status = exc.status
                else:
                    messages.success(request, _("Booked."))
                    day = timezone.localtime(booking.starts_at).date()
                    return redirect(f"{request.path}?week={day.isoformat()}")
    elif request.method == "POST":
        raise Http404(_("No such venue."))
    monday = _monday(request)
    context = {
        "venue": venue,
        "week": sel.venue_week(venue=venue, start=monday),
        "monday": monday,
        "previous": (monday - timedelta(days=7)).isoformat(),
        "next": (monday + timedelta(days=7)).isoformat(),
        "form": form,
        "manager": services_venues.can_manage_venue(request.user, venue.owner),
        "cancel_form": ReasonForm(),
        "tab": "venues",
    }
    return render_page(request, "credit/points/venue.html", context, status=status, partial="week")


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_or_404(sel.booking_get_for_user, user=request.user, booking_id=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services_venues.booking_cancel(
            actor=request.user, booking=booking, reason=form.cleaned_data.get("reason", "")
        )
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The booking is cancelled."))
    day = timezone.localtime(booking.starts_at).date()
    return redirect(f"/credit/venues/{booking.venue_id}/?week={day.isoformat()}")


# --- earning rules ------------------------------------------------------------------------------
@login_required
def rules(request: HttpRequest) -> HttpResponse:
    owners = sel.rule_owners_for_user(user=request.user)
    if not owners.exists():
        raise Http404(_("No such rule."))
    from qingshe.programmes.models import Programme

    programmes = Programme.objects.filter(owner__in=owners).order_by("-year", "name")
    form = RuleForm(request.POST or None, owners=owners, programmes=programmes)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                rule = services_points.rule_set(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Rule saved: %(name)s") % {"name": rule.name})
                return redirect("credit:rules")
    context = {
        "form": form,
        "rules": sel.rules_for_user(user=request.user)[:100],
        "history": sel.rules_for_user(user=request.user, include_retired=True).filter(
            retired_at__isnull=False
        )[:30],
        "tab": "rules",
    }
    return render_page(request, "credit/points/rules.html", context, status=status)


@login_required
@require_POST
def rule_retire(request: HttpRequest, pk: int) -> HttpResponse:
    rule = PointsRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404(_("No such rule."))
    try:
        services_points.rule_retire(actor=request.user, rule=rule)
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The rule no longer pays."))
    return redirect("credit:rules")


# --- commendations ------------------------------------------------------------------------------
@login_required
def commendations(request: HttpRequest) -> HttpResponse:
    orgs = sel.commending_orgs_for_user(user=request.user)
    if not orgs.exists():
        return render_page(
            request,
            "credit/points/commendations.html",
            {"mine": sel.commendations_for_user(user=request.user)[:50], "tab": "commendations"},
        )
    form = PeriodForm(request.GET or None, orgs=orgs)
    ranked = teams = None
    status = 200
    if request.method == "POST":
        form = PeriodForm(request.POST, orgs=orgs)
        status = 422
        if form.is_valid():
            done, status = _commend(request, form.cleaned_data)
            if done:
                params = "&".join(
                    f"{k}={form.cleaned_data[k].pk if k == 'org' else form.cleaned_data[k]}"
                    for k in ("org", "start", "end", "title")
                )
                return redirect(f"{request.path}?{params}")
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        ranked = sel.ranking(org=d["org"], start=d["start"], end=d["end"], title=d["title"])
        teams = sel.team_ranking(org=d["org"], start=d["start"], end=d["end"], title=d["title"])
    context = {
        "form": form,
        "ranked": ranked,
        "teams": teams,
        "mine": sel.commendations_for_user(user=request.user)[:50],
        "tab": "commendations",
    }
    return render_page(request, "credit/points/commendations.html", context, status=status)


def _commend(request: HttpRequest, d: dict[str, Any]) -> tuple[bool, int]:
    user_ids = [int(v) for v in request.POST.getlist("user") if v.isdigit()]
    team_ids = [int(v) for v in request.POST.getlist("team") if v.isdigit()]
    if not user_ids and not team_ids:
        messages.error(request, _("Tick the volunteers or teams to commend."))
        return False, 422
    bonus = request.POST.get("bonus") == "1"
    people = get_user_model().objects.in_bulk(user_ids)
    teams = Organisation.objects.in_bulk(team_ids)
    made = 0
    targets: list[tuple[Any, Any]] = [(people.get(i), None) for i in user_ids] + [
        (None, teams.get(i)) for i in team_ids
    ]
    for person, team in targets:
        obj = person or team
        if obj is None:
            continue
        try:
            services_commend.commendation_make(
                actor=request.user,
                org=d["org"],
                title=d["title"],
                period_start=d["start"],
                period_end=d["end"],
                bonus=bonus,
                user=person,
                team=team,
            )
            made += 1
        except ServiceError as exc:
            messages.error(request, f"{obj}: {exc.message}")
    if made:
        messages.success(request, _("Commended: %(n)s.") % {"n": made})
    return made > 0, 200 if made else 422

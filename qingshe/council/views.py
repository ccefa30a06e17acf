"""Council pages for those who run it: the communities' summaries and lists, a monthly list
(edit, send to the council, call a meeting), a meeting (resolutions, closing), verification.

Thin views: reads through council.selectors, writes through council.services; a service's error
is shown on the page it came from (with its status), success redirects."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core import access
from qingshe.core.errors import ServiceError, ValidationFailed
from qingshe.core.exports import services as exports
from qingshe.core.htmx import get_or_404, render_page
from qingshe.core.timeutil import parse_month
from qingshe.council import selectors, services
from qingshe.council.models import MonthlyList, Resolution
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import Pairing


def _error(request: HttpRequest, exc: ServiceError) -> None:
    messages.error(request, str(exc.message))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = list(selectors.communities_for_user(user=user)[:50])
    return render_page(
        request,
        "council/home.html",
        {
            "communities": communities,
            "lists": list(selectors.lists_for_user(user=user)[:20]),
            "meetings": list(selectors.meetings_for_user(user=user)[:10]),
            "to_verify": list(selectors.to_verify_for_user(user=user)[:20]),
            "forms": list(selectors.feedback_forms_for_user(user=user)[:10]),
        },
    )


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_or_404(selectors.community_get_for_user, user=request.user, community_id=pk)
    summaries = selectors.summaries_for(community=org)
    return render_page(
        request,
        "council/community.html",
        {
            "community": org,
            "summaries": [(s, selectors.summary_groups(s)) for s in summaries],
            "lists": list(selectors.lists_for_user(user=request.user, community_id=org.pk)),
            "meetings": list(
                selectors.meetings_for_user(user=request.user, community_id=org.pk)[:10]
            ),
            "can_collect": access.can(request.user, "council.collect", org),
            "this_month": timezone.localdate().strftime("%Y-%m"),
        },
    )


@login_required
@require_POST
def list_build(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_or_404(selectors.community_get_for_user, user=request.user, community_id=pk)
    parsed = parse_month(request.POST.get("month", ""))
    try:
        if parsed is None:
            raise ValidationFailed("invalid_month", _("Give the month as YYYY-MM."), field="month")
        mlist = services.monthly_list_build(
            actor=request.user, community=org, year=parsed[0], month=parsed[1]
        )
    except ServiceError as exc:
        _error(request, exc)
        return redirect("council:community", pk=org.pk)
    return redirect("council:list", pk=mlist.pk)


@login_required
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mlist = get_or_404(selectors.list_get_for_user, user=request.user, list_id=pk)
    if exports.requested(request):
        return exports.respond(request, "council.list", selectors.list_items(monthly_list=mlist))
    items = list(selectors.list_items(monthly_list=mlist))
    return render_page(
        request,
        "council/list.html",
        {
            "mlist": mlist,
            "items": items,
            "meetings": list(mlist.meetings.order_by("-held_on")),
            "can_edit": mlist.state == MonthlyList.State.DRAFT
            and access.can(request.user, "council.collect", mlist.community),
            "can_meet": mlist.state == MonthlyList.State.FINAL
            and access.can(request.user, "council.meet", mlist.community),
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@require_POST
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_or_404(selectors.item_get_for_user, user=request.user, item_id=pk)
    data = request.POST
    try:
        services.list_item_edit(
            actor=request.user,
            item=item,
            rank=data.get("rank") or None,
            included=None if "included" not in data else data.get("included") == "1",
            note=data.get("note") if "note" in data else None,
        )
    except ServiceError as exc:
        _error(request, exc)
    return redirect("council:list", pk=item.monthly_list_id)


@login_required
@require_POST
def list_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    mlist = get_or_404(selectors.list_get_for_user, user=request.user, list_id=pk)
    try:
        services.monthly_list_finalise(actor=request.user, monthly_list=mlist)
        messages.success(request, _("The list was sent to the youth council."))
    except ServiceError as exc:
        _error(request, exc)
    return redirect("council:list", pk=mlist.pk)


@login_required
@require_POST
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    mlist = get_or_404(selectors.list_get_for_user, user=request.user, list_id=pk)
    try:
        try:
            held_on = date.fromisoformat(request.POST.get("held_on", ""))
        except ValueError:
            raise ValidationFailed(
                "invalid_date", _("Give the meeting's date."), field="held_on"
            ) from None
        meeting = services.meeting_create(
            actor=request.user,
            monthly_list=mlist,
            held_on=held_on,
            title=request.POST.get("title", ""),
            place=request.POST.get("place", ""),
        )
    except ServiceError as exc:
        _error(request, exc)
        return redirect("council:list", pk=mlist.pk)
    return redirect("council:meeting", pk=meeting.pk)


def _assignees(meeting: Any) -> dict[str, Any]:
    community = meeting.community
    return {
        "teams": Organisation.objects.filter(
            kind=OrgKind.VOLUNTEER_TEAM, is_active=True, path__startswith=f"/{community.city_id}/"
        ).order_by("name")[:100],
        "groups": ProjectGroup.objects.filter(
            state=ProjectGroup.State.OPEN, owner__path__startswith=f"/{community.city_id}/"
        ).order_by("name")[:100],
        "pairings": Pairing.objects.filter(
            community_id__in=[community.pk, *community.ancestor_ids()],
            state__in=(Pairing.State.APPROVED, Pairing.State.ACTIVE),
        ).select_related("unit")[:100],
    }


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_or_404(selectors.meeting_get_for_user, user=request.user, meeting_id=pk)
    items = list(selectors.list_items(monthly_list=meeting.agenda).filter(included=True))
    can_meet = meeting.state == meeting.State.OPEN and access.can(
        request.user, "council.meet", meeting.community
    )
    context = {
        "meeting": meeting,
        "items": items,
        "kinds": Resolution.Kind.choices,
        "can_meet": can_meet,
        "attendees": list(meeting.attendees.order_by("name")),
        "members": list(
            access.holders_over(
                meeting.community,
                [Role.COUNCIL_MEMBER, Role.COMMUNITY_SECRETARY, Role.PANEL_MEMBER],
            ).order_by("name")[:100]
        )
        if can_meet
        else [],
    }
    if can_meet:
        context.update(_assignees(meeting))
    return render_page(request, "council/meeting.html", context)


def _pick(model: Any, raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return model.objects.filter(pk=int(raw)).first() or False
    except ValueError:
        return False


@login_required
@require_POST
def meeting_resolve(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = get_or_404(selectors.meeting_get_for_user, user=request.user, meeting_id=pk)
    item = get_or_404(selectors.item_get_for_user, user=request.user, item_id=item_pk)
    data = request.POST
    target = data.get("assignee", "")
    kind_of, _sep, raw = target.partition(":")
    try:
        services.meeting_resolve(
            actor=request.user,
            meeting=meeting,
            item=item,
            kind=data.get("kind", ""),
            team=_pick(Organisation, raw) if kind_of == "team" else None,
            project_group=_pick(ProjectGroup, raw) if kind_of == "group" else None,
            pairing=_pick(Pairing, raw) if kind_of == "pairing" else None,
            refer_to=data.get("refer_to", ""),
            reason=data.get("reason", ""),
        )
    except ServiceError as exc:
        _error(request, exc)
    return redirect("council:meeting", pk=meeting.pk)


@login_required
@require_POST
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_or_404(selectors.meeting_get_for_user, user=request.user, meeting_id=pk)
    try:
        services.meeting_close(
            actor=request.user,
            meeting=meeting,
            minutes=request.POST.get("minutes", ""),
            attendee_ids=request.POST.getlist("attendees"),
            guests=request.POST.get("guests") or 0,
        )
        messages.success(request, _("The meeting is closed."))
    except ServiceError as exc:
        _error(request, exc)
    return redirect("council:meeting", pk=meeting.pk)


@login_required
def verify(request: HttpRequest, need_pk: int) -> HttpResponse:
    need = get_or_404(selectors.need_for_verifier, user=request.user, need_id=need_pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send_back":
                services.council_send_back(
                    actor=request.user, need=need, reason=request.POST.get("reason", "")
                )
            else:
                services.council_verify(
                    actor=request.user,
                    need=need,
                    evidence=request.POST.get("evidence", ""),
                    photos=request.FILES.getlist("photos"),
                )
            messages.success(request, _("Thank you, recorded."))
            return redirect("council:home")
        except ServiceError as exc:
            _error(request, exc)
    return render_page(
        request,
        "council/verify.html",
        {
            "need": need,
            "can_verify": access.can(request.user, "council.verify", need.community),
            "verifications": list(need.verifications.select_related("verified_by")[:10]),
        },
    )

"""Pages without an account: a resident's one-tap rating by signed link, and the community's
public accountability board (no personal data of reporters)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.decorators import ratelimit

from qingshe.core.errors import NotFound, ServiceError
from qingshe.core.ratelimits import over_limit, throttled_page
from qingshe.core.timeutil import parse_month
from qingshe.council import selectors, services
from qingshe.council.models import RatingInvite


def _rating_rate(_group: str, _request: HttpRequest) -> str:
    return settings.QINGSHE_RATE_LIMITS["rating"]


@ratelimit(key="ip", rate=_rating_rate, block=False)
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = services.rating_invite_for_token(token)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    error = ""
    status = 200
    done = invite.used_at is not None
    if request.method == "POST" and not done:
        if getattr(request, "limited", False):
            return render(
                request, "council/rate.html", {"invite": invite, "limited": True}, status=429
            )
        try:
            invite = services.rating_submit(
                token=token,
                outcome=request.POST.get("outcome", ""),
                stars=request.POST.get("stars"),
                comment=request.POST.get("comment", ""),
            )
            done = True
        except ServiceError as exc:
            error, status = str(exc.message), exc.status
    expired = not done and timezone.now() >= invite.expires_at
    return render(
        request,
        "council/rate.html",
        {
            "invite": invite,
            "need": invite.need,
            "done": done,
            "expired": expired,
            "error": error,
            "outcomes": RatingInvite.Outcome.choices,
            "stars": range(1, 6),
        },
        status=status,
    )


def public(request: HttpRequest, pk: int) -> HttpResponse:
    # Counted before the community is looked up: probing ids costs the same as reading a board.
    if over_limit(request, "council_public"):
        return throttled_page(request)
    try:
        community = selectors.community_public(community_id=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    parsed = parse_month(request.GET.get("month", "")) or (
        timezone.localdate().year,
        timezone.localdate().month,
    )
    month = date(parsed[0], parsed[1], 1)
    board = selectors.public_board(community=community, month=month)
    return render(request, "council/public.html", {"board": board, "month_text": f"{month:%Y-%m}"})

"""The shift leader's page: the rotating QR code (refreshed every 30 s by htmx polling), who is
signed up, waitlisted, checked in and out, the head count, and the roll call."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core.errors import ServiceError
from qingshe.core.htmx import add_service_error, get_or_404, render_page
from qingshe.duty import selectors, services
from qingshe.duty.forms import RollCallForm
from qingshe.duty.models import Attendance, Shift, SignUp
from qingshe.duty.qr import WINDOW_SECONDS
from qingshe.duty.views._common import respond


def checkin_url(request: HttpRequest, token: str) -> str:
    """What the QR code encodes: the check-in page with the code filled in."""
    return request.build_absolute_uri(reverse("duty:checkin")) + "?" + urlencode({"t": token})


def _live_context(request: HttpRequest, shift: Shift) -> dict[str, Any]:
    token = services.shift_qr_token(actor=request.user, shift=shift)
    url = checkin_url(request, token)
    svg = segno.make(url, error="m").svg_inline(
        scale=5, border=2, omitsize=True, svgclass="qr__svg", title=_("Check-in code")
    )
    roster = selectors.shift_roster(shift=shift)
    signed = [r for r in roster if r["signup"] and r["signup"].state == SignUp.State.CONFIRMED]
    present = [r for r in roster if r["attendance"] and r["attendance"].checkout_at is None]
    out = [r for r in roster if r["attendance"] and r["attendance"].checkout_at is not None]
    return {
        "shift": shift,
        "activity": shift.activity,
        "token": token,
        "qr_url": url,
        "qr_svg": mark_safe(svg),  # noqa: S308 -- segno writes the markup and escapes our URL in it
        "refresh_seconds": WINDOW_SECONDS,
        "roster": roster,
        "signed_n": len(signed),
        "waitlist_n": sum(
            1 for r in roster if r["signup"] and r["signup"].state == SignUp.State.WAITLISTED
        ),
        "present_n": len(present),
        "out_n": len(out),
        "below_minimum": len(signed) < shift.min_people,
        "now": timezone.now(),
    }


def _lead_context(request: HttpRequest, shift: Shift, **extra: Any) -> dict[str, Any]:
    local_start = timezone.localtime(shift.starts_at)
    form = extra.pop("form", None) or RollCallForm(
        people=selectors.roll_call_people(shift=shift),
        initial={"checkin_at": local_start, "checkout_at": timezone.localtime(shift.ends_at)},
    )
    return {**_live_context(request, shift), "form": form, "tab": "lead", **extra}


@login_required
def shift_lead(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(selectors.shift_get_for_leader, user=request.user, shift_id=pk)
    return render_page(request, "duty/shift_lead.html", _lead_context(request, shift))


@login_required
def shift_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled part: a fresh code and the counts; without htmx, the whole page."""
    shift = get_or_404(selectors.shift_get_for_leader, user=request.user, shift_id=pk)
    if getattr(request, "htmx", False):
        return render_page(
            request, "duty/shift_lead.html", _live_context(request, shift), partial="live"
        )
    return render_page(request, "duty/shift_lead.html", _lead_context(request, shift))


@login_required
@require_POST
def shift_roll_call(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(selectors.shift_get_for_leader, user=request.user, shift_id=pk)
    form = RollCallForm(request.POST, people=selectors.roll_call_people(shift=shift))
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        try:
            attendance: Attendance = services.roll_call(
                actor=request.user,
                shift=shift,
                user=d["person"],
                checkin_at=d["checkin_at"],
                checkout_at=d["checkout_at"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
        else:
            message = _("Roll call recorded for %(name)s.") % {"name": attendance.user.name}
            return respond(
                request,
                reverse("duty:lead", args=[pk]),
                message,
                lambda m: render_page(
                    request,
                    "duty/shift_lead.html",
                    _lead_context(request, shift, notice=m),
                    partial="rollcall",
                ),
            )
    if getattr(request, "htmx", False):
        return render_page(
            request,
            "duty/shift_lead.html",
            _lead_context(request, shift, form=form),
            partial="rollcall",
        )
    return render_page(
        request, "duty/shift_lead.html", _lead_context(request, shift, form=form), status=status
    )

"""The student's pages: activities, shifts with sign-up and cancel, my shifts by day, the check-in
page (scan or paste the leader's code), remote work logs, my hours and correction requests."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core.errors import ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.core.page_cache import page_cache
from qingshe.duty import selectors, services
from qingshe.duty.forms import CorrectionForm, RemoteLogForm, ScanForm
from qingshe.duty.models import Attendance, DutyMode, Shift, SignUp
from qingshe.duty.views._common import error_status, respond


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("mode", "")
    mode = mode if mode in DutyMode.values else ""
    qs = selectors.activity_list_for_user(user=request.user, mode=mode)
    if exports.requested(request):
        return exports.respond(request, "duty.activities", qs)
    context = {
        "page": paginate(request, qs),
        "mode": mode,
        "modes": DutyMode.choices,
        "query": f"mode={mode}&" if mode else "",
        "can_create": selectors.organisers_for_user(user=request.user).exists(),
        "tab": "activities",
    }
    return render_page(request, "duty/activity_list.html", context, partial="results")


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_or_404(selectors.activity_get_for_user, user=request.user, activity_id=pk)
    context = {
        "activity": activity,
        "shifts": selectors.shifts_of_activity(activity=activity, user=request.user),
        "can_manage": selectors.activity_can_manage(user=request.user, activity=activity),
        "now": timezone.now(),
        "tab": "activities",
    }
    return render_page(request, "duty/activity_detail.html", context)


def _shift_context(request: HttpRequest, shift: Shift, **extra: Any) -> dict[str, Any]:
    mine = getattr(shift, "my_signup", None)
    remote = (
        shift.activity.remote_allowed and mine is not None and mine.state == SignUp.State.CONFIRMED
    )
    return {
        "shift": shift,
        "activity": shift.activity,
        "now": timezone.now(),
        "can_lead": selectors.shift_can_lead(user=request.user, shift=shift),
        "remote_form": extra.pop("remote_form", None) or (RemoteLogForm() if remote else None),
        "tab": "activities",
        **extra,
    }


def _render_shift(
    request: HttpRequest, shift_id: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    shift = get_or_404(selectors.shift_get_for_user, user=request.user, shift_id=shift_id)
    return render_page(
        request,
        "duty/shift_detail.html",
        _shift_context(request, shift, **extra),
        partial="shift_card",
        status=status,
    )


@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_shift(request, pk)


@login_required
@require_POST
def shift_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(selectors.shift_get_for_user, user=request.user, shift_id=pk)
    try:
        signup = services.shift_sign_up(actor=request.user, shift=shift)
    except ServiceError as exc:
        return _render_shift(request, pk, error=str(exc.message), status=error_status(request, exc))
    if signup.state == SignUp.State.CONFIRMED:
        message = _("You are signed up. See you on %(time)s.") % {
            "time": timezone.localtime(shift.starts_at).strftime("%m-%d %H:%M")
        }
    else:
        message = _(
            "The shift is full: you are on the waitlist and move up automatically when a place frees."
        )
    return respond(
        request,
        reverse("duty:shift", args=[pk]),
        message,
        lambda m: _render_shift(request, pk, notice=m),
    )


@login_required
@require_POST
def shift_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(selectors.shift_get_for_user, user=request.user, shift_id=pk)
    signup = getattr(shift, "my_signup", None)
    if signup is None:
        raise Http404(_("You are not signed up for this shift."))
    try:
        services.shift_cancel(actor=request.user, signup=signup)
    except ServiceError as exc:
        return _render_shift(request, pk, error=str(exc.message), status=error_status(request, exc))
    return respond(
        request,
        reverse("duty:shift", args=[pk]),
        _("Your sign-up is cancelled."),
        lambda m: _render_shift(request, pk, notice=m),
    )


@login_required
@require_POST
def remote_log(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(selectors.shift_get_for_user, user=request.user, shift_id=pk)
    form = RemoteLogForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.remote_log_submit(
                actor=request.user, shift=shift, start=d["start"], end=d["end"], log=d["log"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return respond(
                request,
                reverse("duty:shift", args=[pk]),
                _("Your work log is recorded and waits for the community's confirmation."),
                lambda m: _render_shift(request, pk, notice=m),
            )
    status = 200 if getattr(request, "htmx", False) else 422
    return _render_shift(request, pk, remote_form=form, status=status)


@page_cache
@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    if exports.requested(request):
        return exports.respond(request, "duty.my_shifts", selectors.my_shifts(user=request.user))
    rows = selectors.my_shift_rows(user=request.user)
    # Every student's page (issue 11): one reverse() for all the rows' links, the state labels
    # once, plain rows for the template.
    marker = "2147483647"
    shift_url = reverse("duty:shift", args=[int(marker)]).replace(marker, "{}")
    labels: dict[str, str] = {}
    for row in rows:
        row["url"] = shift_url.format(row["shift_id"])
        state = row["state"]
        if state not in labels:
            labels[state] = str(SignUp.State(state).label)
        row["state_label"] = labels[state]
    days = [
        {"day": day, "signups": list(group)}
        for day, group in groupby(rows, key=lambda r: timezone.localtime(r["starts_at"]).date())
    ]
    context = {"days": days, "today": timezone.localdate(), "tab": "mine"}
    return render_page(request, "duty/my_shifts.html", context)


# --- check-in -----------------------------------------------------------------------------------
def _scan_context(request: HttpRequest, form: ScanForm, token: str, **extra: Any) -> dict[str, Any]:
    """The shift a code names is shown only when the person may see it anyway."""
    shift = attendance = None
    if token:
        try:
            claimed = services.shift_for_token(token)
            shift = selectors.shift_get_for_user(user=request.user, shift_id=claimed.pk)
        except ServiceError:
            shift = None
    if shift is not None:
        attendance = getattr(shift, "my_attendance", None)
    return {
        "form": form,
        "shift": shift,
        "attendance": attendance,
        "checks_location": bool(
            shift and shift.activity.checkin_radius_m and shift.activity.lat is not None
        ),
        "tab": "checkin",
        **extra,
    }


@login_required
def checkin(request: HttpRequest) -> HttpResponse:
    """GET ?t=<code> (what a phone's camera opens from the leader's QR code) shows the form filled
    in; POST checks in, or out when `action=checkout`."""
    if request.method != "POST":
        token = request.GET.get("t", "").strip()
        form = ScanForm(initial={"t": token})
        return render_page(request, "duty/checkin.html", _scan_context(request, form, token))
    form = ScanForm(request.POST)
    token = request.POST.get("t", "").strip()
    action = request.POST.get("action", "checkin")
    if form.is_valid():
        d = form.cleaned_data
        token = d["t"]
        try:
            if action == "checkout":
                attendance = services.checkout(actor=request.user, token=token)
                message = _("Checked out at %(time)s. The community will confirm your hours.")
                at = attendance.checkout_at
            else:
                attendance = services.checkin(
                    actor=request.user, token=token, lat=d.get("lat"), lng=d.get("lng")
                )
                message = _("Checked in at %(time)s. Scan again at the end to check out.")
                at = attendance.checkin_at
        except ServiceError as exc:
            context = _scan_context(request, form, token, error=str(exc.message))
            return render_page(
                request,
                "duty/checkin.html",
                context,
                partial="scan",
                status=error_status(request, exc),
            )
        notice = message % {"time": timezone.localtime(at).strftime("%H:%M")}  # type: ignore[arg-type]
        fresh = ScanForm(initial={"t": token})
        return render_page(
            request,
            "duty/checkin.html",
            _scan_context(request, fresh, token, notice=notice),
            partial="scan",
        )
    status = 200 if getattr(request, "htmx", False) else 422
    return render_page(
        request,
        "duty/checkin.html",
        _scan_context(request, form, ""),
        partial="scan",
        status=status,
    )


# --- hours --------------------------------------------------------------------------------------
@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.my_attendance(user=request.user)[:500])
    confirmed = [a for a in rows if a.state == Attendance.State.CONFIRMED]
    context = {
        "confirmed": confirmed,
        "waiting": [
            a for a in rows if a.state in (Attendance.State.OPEN, Attendance.State.PENDING)
        ],
        "rejected": [a for a in rows if a.state == Attendance.State.REJECTED],
        "total": selectors.my_hours_total(user=request.user),
        "tab": "hours",
    }
    return render_page(request, "duty/my_hours.html", context)


@login_required
def correction_request(request: HttpRequest, pk: int) -> HttpResponse:
    attendance = get_or_404(selectors.my_attendance_get, user=request.user, attendance_id=pk)
    if attendance.state != Attendance.State.CONFIRMED:
        raise Http404(_("Only confirmed attendance is corrected."))
    initial = {
        "start": timezone.localtime(attendance.confirmed_start),  # type: ignore[arg-type]
        "end": timezone.localtime(attendance.confirmed_end),  # type: ignore[arg-type]
    }
    form = CorrectionForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.correction_request(
                    actor=request.user,
                    attendance=attendance,
                    new_start=d["start"],
                    new_end=d["end"],
                    reason=d["reason"],
                )
            except ServiceError as exc:
                add_service_error(form, exc, aliases={"end": "end", "reason": "reason"})
                status = exc.status
            else:
                from django.contrib import messages
                from django.shortcuts import redirect

                messages.success(request, _("Your correction request was sent to the community."))
                return redirect("duty:hours")
    context = {"attendance": attendance, "form": form, "tab": "hours"}
    return render_page(request, "duty/correction_form.html", context, status=status)

"""The community's confirmation inbox (盖章确认): attendance awaiting confirmation grouped by
shift, with the due date of the 10-working-day rule; confirm one (times adjusted with a reason)
or selected ones in bulk, reject with a reason; correction requests to approve or refuse."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.htmx import get_or_404, render_page
from qingshe.duty import selectors, services
from qingshe.duty.forms import ConfirmForm, ReasonForm
from qingshe.duty.hours import confirmation_due
from qingshe.duty.views._common import error_status, respond, to_int

INBOX_LIMIT = 300


def _inbox_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    rows = list(selectors.attendance_to_confirm(user=request.user)[:INBOX_LIMIT])
    groups = []
    for _shift_id, items in groupby(rows, key=lambda a: a.shift_id):
        items = list(items)
        shift = items[0].shift
        due = confirmation_due(timezone.localtime(shift.starts_at).date())
        groups.append(
            {
                "shift": shift,
                "items": items,
                "due": due,
                "overdue": due < today,
                "days_left": (due - today).days,
                # Past the deadline only the league committee confirms: the staff get no buttons.
                "can_confirm": services.may_confirm(actor=request.user, shift=shift, today=today),
            }
        )
    corrections = list(selectors.corrections_to_decide(user=request.user)[:INBOX_LIMIT])
    return {
        "groups": groups,
        "can_confirm_any": any(g["can_confirm"] for g in groups),
        "total": len(rows),
        "corrections": corrections,
        "today": today,
        "tab": "confirm",
        **extra,
    }


def _render_inbox(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render_page(
        request,
        "duty/confirm_inbox.html",
        _inbox_context(request, **extra),
        partial="inbox",
        status=status,
    )


@login_required
def confirm_inbox(request: HttpRequest) -> HttpResponse:
    return _render_inbox(request)


def _fail(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    if isinstance(exc, AccessDenied):
        raise PermissionDenied(str(exc.message))
    return _render_inbox(request, error=str(exc.message), status=error_status(request, exc))


def _done(request: HttpRequest, message: str) -> HttpResponse:
    return respond(
        request, reverse("duty:confirm"), message, lambda m: _render_inbox(request, notice=m)
    )


@login_required
@require_POST
def attendance_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    attendance = get_or_404(
        selectors.attendance_get_for_confirmer, user=request.user, attendance_id=pk
    )
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_inbox(
            request,
            error=_("Enter the times as date and time."),
            status=200 if request.htmx else 422,
        )  # type: ignore[attr-defined]
    d = form.cleaned_data
    try:
        done = services.attendance_confirm(
            actor=request.user,
            attendance=attendance,
            start=d["start"],
            end=d["end"],
            reason=d["reason"],
        )
    except ServiceError as exc:
        return _fail(request, exc)
    return _done(
        request,
        _("Confirmed: %(name)s, %(hours)s hours.")
        % {"name": done.user.name, "hours": f"{done.credited_hours:.1f}"},
    )


@login_required
@require_POST
def attendance_confirm_bulk(request: HttpRequest) -> HttpResponse:
    ids = [i for i in (to_int(v) for v in request.POST.getlist("ids")) if i is not None]
    if not ids:
        return _render_inbox(
            request,
            error=_("Tick the attendance to confirm first."),
            status=200 if request.htmx else 422,
        )  # type: ignore[attr-defined]
    chosen = list(selectors.attendance_to_confirm(user=request.user).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        return _render_inbox(
            request,
            error=_(
                "Some of the ticked attendance is no longer waiting for you; nothing was confirmed."
            ),
            status=200 if request.htmx else 409,  # type: ignore[attr-defined]
        )
    try:
        done = services.attendance_confirm_many(actor=request.user, attendances=chosen)
    except ServiceError as exc:
        return _fail(request, exc)
    n = len(done)
    return _done(
        request,
        ngettext("Confirmed %(n)d attendance.", "Confirmed %(n)d attendances.", n) % {"n": n},
    )


@login_required
@require_POST
def attendance_reject(request: HttpRequest, pk: int) -> HttpResponse:
    attendance = get_or_404(
        selectors.attendance_get_for_confirmer, user=request.user, attendance_id=pk
    )
    form = ReasonForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        done = services.attendance_reject(actor=request.user, attendance=attendance, reason=reason)
    except ServiceError as exc:
        return _fail(request, exc)
    return _done(request, _("Not confirmed: %(name)s.") % {"name": done.user.name})


@login_required
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    correction = get_or_404(
        selectors.correction_get_for_confirmer, user=request.user, correction_id=pk
    )
    approve = request.POST.get("decision") == "approve"
    note = (request.POST.get("note") or "").strip()[:200]
    try:
        services.correction_decide(
            actor=request.user, correction=correction, approve=approve, note=note
        )
    except ServiceError as exc:
        return _fail(request, exc)
    message = _("The correction is approved.") if approve else _("The correction is refused.")
    return _done(request, message)

"""API: activities and shifts, sign-up and cancel, the rotating QR code, check-in and check-out,
roll call and remote work logs, the confirmer's attendance list, confirmation (one, bulk, reject),
corrections, my shifts and my calendar feed.

Endpoints are thin: they find what the path or body names through the selectors (404 `not_found`
for anything outside the caller's view, as for something that does not exist) and call one
service of duty/services.py; a service's own error (`invalid_period`, `shift_too_long`,
`expired_token`, `invalid_token`, `too_far`, `not_signed_up`, `overlapping_credit`, `forbidden`,
…) reaches the client as it is, with its status and field.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
import time
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate as ninja_paginate
from ninja.security import APIKeyQuery

from qingshe.api.auth import bearer_auth, session_auth
from qingshe.api.pagination import PagePagination, paginate
from qingshe.api.schemas import error_responses
from qingshe.core.errors import Conflict, NotFound
from qingshe.duty import api_selectors, ics, qr, selectors, services
from qingshe.duty.models import Shift, SignUp
from qingshe.duty.schemas import (
    ActivityDetailOut,
    ActivityFilter,
    ActivityIn,
    ActivityOut,
    AttendanceFilter,
    AttendanceOut,
    BulkConfirmIn,
    CancelIn,
    CheckinIn,
    CheckoutIn,
    ConfirmIn,
    CorrectionIn,
    CorrectionOut,
    DecideIn,
    DueAttendanceOut,
    MyShiftOut,
    QrOut,
    RejectIn,
    RemoteLogIn,
    RollCallIn,
    ShiftIn,
    ShiftOut,
    SignUpOut,
)
from qingshe.orgs import selectors as org_selectors

router = Router(tags=["duty"])

ICS_RESPONSE = {
    "responses": {
        200: {
            "description": "An iCalendar feed (RFC 5545).",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _named(field: str, exc: NotFound) -> NotFound:
    exc.field = field
    return exc


def checkin_page_url(request: HttpRequest, token: str) -> str:
    """The phone page a scanned QR code opens (the duty pages' check-in form, `?t=`)."""
    try:
        path = reverse("duty:checkin")
    except NoReverseMatch:
        path = "/duty/checkin/"
    return request.build_absolute_uri(f"{path}?{urlencode({'t': token})}")


# --- activities ---------------------------------------------------------------------------------
@router.get(
    "/activities",
    response={200: list[ActivityOut], **error_responses(401, 422)},
    summary="Activities the caller may see",
)
@paginate
def activity_list(request: HttpRequest, filters: Query[ActivityFilter]) -> Any:
    """Published activities of organisations the caller sees or of the communities paired with
    their branch; every activity (drafts too) of organisations they organise or confirm for; and
    those they are signed up for or lead. Newest first."""
    return api_selectors.activity_list_for_user(
        user=_user(request),
        mode=filters.mode or "",
        organiser_id=filters.organiser,
        q=filters.q.strip(),
    )


@router.post(
    "/activities",
    response={201: ActivityDetailOut, **error_responses(401, 403, 404, 422)},
    summary="Create an activity",
)
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    """For those who organise activities of `organiser` (community staff, branch secretaries,
    league admins). 404 with `field` when the organiser or a course is not visible; 403
    `forbidden`; 422 `title_required`, `invalid_location`, `invalid_radius`."""
    user = _user(request)
    try:
        organiser = org_selectors.org_get_for_user(user=user, org_id=payload.organiser)
    except NotFound as exc:
        raise _named("organiser", exc) from exc
    wanted = set(payload.required_courses)
    courses = list(selectors.courses_selectable_for(organiser=organiser).filter(pk__in=wanted))
    if len(courses) != len(wanted):
        raise NotFound("not_found", _("No such course."), field="required_courses")
    data = payload.model_dump(exclude={"organiser", "required_courses"})
    activity = services.activity_create(
        actor=user, organiser=organiser, required_courses=courses, **data
    )
    return Status(201, activity)


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityDetailOut, **error_responses(401, 404, 422)},
    summary="One activity",
)
def activity_detail(request: HttpRequest, activity_id: int) -> Any:
    return selectors.activity_get_for_user(user=_user(request), activity_id=activity_id)


@router.get(
    "/activities/{activity_id}/shifts",
    response={200: list[ShiftOut], **error_responses(401, 404, 422)},
    summary="The shifts of an activity, with places left and the waitlist",
)
@paginate
def shift_list(request: HttpRequest, activity_id: int) -> Any:
    user = _user(request)
    activity = selectors.activity_get_for_user(user=user, activity_id=activity_id)
    return api_selectors.shift_list_for_user(user=user, activity=activity)


@router.post(
    "/activities/{activity_id}/shifts",
    response={201: ShiftOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Add a shift",
)
def shift_add(request: HttpRequest, activity_id: int, payload: ShiftIn) -> Any:
    """For the activity's organisers. The leader must be a person the caller looks after, or
    someone signed up for the activity (404 with `field` otherwise). 422 `invalid_period` (ends
    before it starts), `shift_too_long` (over 24 h), `invalid_capacity`, `invalid_minimum`; 409
    `activity_cancelled`; 403 `forbidden`."""
    user = _user(request)
    activity = selectors.activity_get_for_user(user=user, activity_id=activity_id)
    leader = None
    if payload.leader is not None:
        leader = (
            selectors.leader_candidates(user=user, activity=activity)
            .filter(pk=payload.leader)
            .first()
        )
        if leader is None:
            raise NotFound("not_found", _("No such person."), field="leader")
    shift = services.shift_add(
        actor=user,
        activity=activity,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        min_people=payload.min_people,
        leader=leader,
        cancel_cutoff_hours=payload.cancel_cutoff_hours,
    )
    return Status(
        201,
        api_selectors.shifts_with_counts(Shift.objects.filter(pk=shift.pk))
        .select_related("leader")
        .get(),
    )


# --- sign-up and cancel -------------------------------------------------------------------------
@router.post(
    "/shifts/{shift_id}/signup",
    response={201: SignUpOut, **error_responses(401, 404, 409, 422)},
    summary="Sign up for a shift (or join its waitlist)",
)
def shift_signup(request: HttpRequest, shift_id: int) -> Any:
    """`state` says whether the caller has a place (`confirmed`) or is on the waitlist. 409
    `already_signed_up`, `overlapping_shift`, `shift_started`, `activity_closed`; 422
    `training_missing`, `insurance_missing`, `guardian_consent_required` (the message names
    everything missing)."""
    user = _user(request)
    shift = api_selectors.shift_visible(user=user, shift_id=shift_id)
    return Status(201, services.shift_sign_up(actor=user, shift=shift))


@router.post(
    "/shifts/{shift_id}/cancel",
    response={200: SignUpOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Cancel a sign-up",
)
def shift_cancel(request: HttpRequest, shift_id: int, payload: CancelIn | None = None) -> Any:
    """Cancels the caller's own sign-up, or with `signup` someone else's (organisers only: 403
    `forbidden` for anybody else). The first on the waitlist takes a freed place. 409
    `past_cutoff` after the cut-off; 404 when there is no live sign-up."""
    user = _user(request)
    shift = api_selectors.shift_visible(user=user, shift_id=shift_id)
    signups = SignUp.objects.filter(shift=shift).select_related("shift")
    if payload is not None and payload.signup is not None:
        signup = signups.filter(pk=payload.signup).first()
    else:
        signup = signups.filter(user_id=user.pk, state__in=SignUp.LIVE_STATES).first()
    if signup is None:
        raise NotFound("not_found", _("No such sign-up."), field="signup")
    return services.shift_cancel(actor=user, signup=signup)


# --- the QR code, check-in and check-out --------------------------------------------------------
@router.get(
    "/shifts/{shift_id}/qr",
    response={200: QrOut, **error_responses(401, 404, 422)},
    summary="The shift's current check-in code (leader and organisers)",
)
def shift_qr(request: HttpRequest, shift_id: int) -> Any:
    """The code rotates every 30 s and is accepted for 30–60 s; show `svg` and fetch again after
    `refresh_in` seconds. Anyone but the shift's leader and the organiser's stewards gets 404."""
    user = _user(request)
    shift = selectors.shift_get_for_leader(user=user, shift_id=shift_id)
    now = time.time()
    window = int(now // qr.WINDOW_SECONDS)
    token = qr.make_token(shift_id=shift.pk, shift_secret=shift.qr_secret, now=now)
    url = checkin_page_url(request, token)
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2)
    return {
        "shift_id": shift.pk,
        "token": token,
        "url": url,
        "svg": svg,
        "expires_in": int((window + qr.ACCEPTED_WINDOWS) * qr.WINDOW_SECONDS - now),
        "refresh_in": max(int((window + 1) * qr.WINDOW_SECONDS - now), 1),
    }


@router.post(
    "/checkin",
    response={200: AttendanceOut, **error_responses(401, 409, 422)},
    summary="Check in with the scanned code",
)
def checkin(request: HttpRequest, payload: CheckinIn) -> Any:
    """Scanning again answers the same attendance. 422 `invalid_token` (forged or unknown),
    `expired_token`, `wrong_shift`, `too_far` (outside the venue's radius), `location_required`,
    `too_early`, `shift_over`; 409 `not_signed_up` (a code of a shift the caller has no place on)."""
    return services.checkin(
        actor=_user(request), token=payload.token, lat=payload.lat, lng=payload.lng
    )


@router.post(
    "/checkout",
    response={200: AttendanceOut, **error_responses(401, 409, 422)},
    summary="Check out with the scanned code",
)
def checkout(request: HttpRequest, payload: CheckoutIn) -> Any:
    """Idempotent once checked out. 409 `not_checked_in`; 422 as for check-in."""
    return services.checkout(actor=_user(request), token=payload.token)


@router.post(
    "/shifts/{shift_id}/rollcall",
    response={200: AttendanceOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Roll call: the leader checks someone in (and out)",
)
def roll_call(request: HttpRequest, shift_id: int, payload: RollCallIn) -> Any:
    """For people without a phone. 404 for anyone but the leader and the organisers; 409
    `not_signed_up`; 422 `outside_shift`, `checkout_before_checkin`."""
    user = _user(request)
    shift = selectors.shift_get_for_leader(user=user, shift_id=shift_id)
    person = selectors.roll_call_people(shift=shift).filter(pk=payload.user).first()
    if person is None:
        raise Conflict(
            "not_signed_up", _("This person is not signed up for this shift."), field="user"
        )
    return services.roll_call(
        actor=user,
        shift=shift,
        user=person,
        checkin_at=payload.checkin_at,
        checkout_at=payload.checkout_at,
    )


@router.post(
    "/shifts/{shift_id}/remote-log",
    response={201: AttendanceOut, **error_responses(401, 404, 409, 422)},
    summary="Record remote work with a work log",
)
def remote_log(request: HttpRequest, shift_id: int, payload: RemoteLogIn) -> Any:
    """409 `not_remote`, `not_signed_up`, `already_recorded`; 422 `log_too_short`,
    `invalid_period`, `outside_shift`."""
    user = _user(request)
    shift = api_selectors.shift_visible(user=user, shift_id=shift_id)
    return Status(
        201,
        services.remote_log_submit(
            actor=user, shift=shift, start=payload.start, end=payload.end, log=payload.log
        ),
    )


# --- attendance and confirmation ----------------------------------------------------------------
@router.get(
    "/attendance",
    response={200: list[DueAttendanceOut], **error_responses(401, 422)},
    summary="Attendance to confirm (for the organiser's confirmers)",
)
@paginate
def attendance_list(request: HttpRequest, filters: Query[AttendanceFilter]) -> Any:
    """Attendance of shifts whose organiser the caller confirms for, oldest shift (nearest
    deadline) first; by default only what awaits confirmation. `confirm_by` is the last day of
    the 10-working-day rule and `overdue` says it has passed. Empty for everyone else."""
    return api_selectors.attendance_list_for_confirmer(
        user=_user(request), state=filters.state or "", shift_id=filters.shift
    )


@router.post(
    "/attendance/confirm",
    response={200: list[AttendanceOut], **error_responses(401, 404, 409, 422)},
    summary="Confirm several attendances as recorded, all or none",
)
def attendance_confirm_many(request: HttpRequest, payload: BulkConfirmIn) -> Any:
    """Any one that cannot be confirmed stops the whole request, naming the person; nothing is
    written. 404 with `field` `ids` when one is not visible."""
    user = _user(request)
    wanted = list(dict.fromkeys(payload.ids))
    found = {
        a.pk: a
        for a in api_selectors.attendance_list_for_confirmer(user=user)
        .filter(pk__in=wanted)
        .order_by()
    }
    if len(found) != len(wanted):
        raise NotFound("not_found", _("No such attendance."), field="ids")
    return services.attendance_confirm_many(actor=user, attendances=[found[pk] for pk in wanted])


@router.post(
    "/attendance/{attendance_id}/confirm",
    response={200: AttendanceOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Confirm one attendance (the community's stamp)",
)
def attendance_confirm(
    request: HttpRequest, attendance_id: int, payload: ConfirmIn | None = None
) -> Any:
    """Confirms the time on duty and credits hours (to the half hour). Adjusted times need a
    `reason` (422 `reason_required`). 404 for anyone but the organiser's confirmers; 409
    `overlapping_credit`, `already_confirmed`, `not_checked_out`, `confirmation_overdue`; 422
    `invalid_period`."""
    payload = payload or ConfirmIn()
    attendance = api_selectors.attendance_get(attendance_id=attendance_id)
    return services.attendance_confirm(
        actor=_user(request),
        attendance=attendance,
        start=payload.start,
        end=payload.end,
        reason=payload.reason,
    )


@router.post(
    "/attendance/{attendance_id}/reject",
    response={200: AttendanceOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Refuse to confirm an attendance",
)
def attendance_reject(request: HttpRequest, attendance_id: int, payload: RejectIn) -> Any:
    attendance = api_selectors.attendance_get(attendance_id=attendance_id)
    return services.attendance_reject(
        actor=_user(request), attendance=attendance, reason=payload.reason
    )


@router.post(
    "/attendance/{attendance_id}/correct",
    response={201: CorrectionOut, **error_responses(401, 404, 409, 422)},
    summary="Ask to correct confirmed hours",
)
def attendance_correct(request: HttpRequest, attendance_id: int, payload: CorrectionIn) -> Any:
    """By the person, the shift's leader or a confirmer; the confirmer decides. 409
    `not_confirmed`, `overlapping_credit`, `correction_pending`; 422 `invalid_period`,
    `reason_required`."""
    attendance = api_selectors.attendance_get(attendance_id=attendance_id)
    correction = services.correction_request(
        actor=_user(request),
        attendance=attendance,
        new_start=payload.start,
        new_end=payload.end,
        reason=payload.reason,
    )
    return Status(201, correction)


@router.post(
    "/corrections/{correction_id}/decide",
    response={200: CorrectionOut, **error_responses(401, 404, 409, 422)},
    summary="Approve or refuse a correction request",
)
def correction_decide(request: HttpRequest, correction_id: int, payload: DecideIn) -> Any:
    """For the organiser's confirmers (404 otherwise). An approval keeps the previous times in
    the request (the trail). 409 `already_decided`, `overlapping_credit`; 422 `reason_required`
    when refusing without a note."""
    correction = api_selectors.correction_get(correction_id=correction_id)
    return services.correction_decide(
        actor=_user(request), correction=correction, approve=payload.approve, note=payload.note
    )


# --- my shifts and my calendar ------------------------------------------------------------------
def ics_url(request: HttpRequest, user: Any) -> str:
    path = reverse("api-v1:my_shifts_ics")
    return request.build_absolute_uri(f"{path}?{urlencode({'token': ics.feed_token(user)})}")


class MyShiftsPagination(PagePagination):
    class Output(PagePagination.Output):
        ics_url: str = Field(
            ...,
            description="The caller's calendar feed with its subscription token: add it to a phone's calendar.",
        )

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | list[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["ics_url"] = ics_url(request, _user(request))
        return page


@router.get(
    "/me/shifts",
    response={200: list[MyShiftOut], **error_responses(401, 422)},
    summary="My sign-ups, with their state",
    tags=["me"],
)
@ninja_paginate(MyShiftsPagination)
def my_shifts(request: HttpRequest) -> Any:
    """Every sign-up of the caller (cancelled ones too), latest shift first, with the place in
    line on the waitlist and the attendance once checked in; `ics_url` is the subscription URL
    of `GET /me/shifts.ics`."""
    return api_selectors.my_signups(user=_user(request))


class FeedTokenAuth(APIKeyQuery):
    """`?token=`: the signed subscription token of `ics_url` (phones cannot send headers)."""

    param_name = "token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user_id = ics.user_id_from_token(key or "")
        if user_id is None:
            return None
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()


@router.get(
    "/me/shifts.ics",
    url_name="my_shifts_ics",
    auth=[FeedTokenAuth(), bearer_auth, session_auth],
    response=error_responses(401),
    openapi_extra=ICS_RESPONSE,
    summary="My shifts as a calendar feed (iCalendar)",
    tags=["me"],
)
def my_shifts_ics(request: HttpRequest) -> HttpResponse:
    """Signed-up shifts (CONFIRMED) and waitlisted ones (TENTATIVE), one event per sign-up with
    a stable UID. Authenticate with `?token=` (from `ics_url` of `GET /me/shifts`), a bearer
    token or the session."""
    user = _user(request)
    body = ics.calendar(
        api_selectors.signups_for_feed(user=user),
        name=_("My shifts · Qingshe"),
        host=request.get_host().split(":")[0] or "qingshe",
    )
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

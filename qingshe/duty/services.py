"""Every write of duty: activities and shifts, sign-up and waitlist, check-in and check-out,
confirmation (盖章确认) and corrections, training and insurance records.

Concurrency: a sign-up locks the person's row, then the shift's row (always in that order), and
counts places under the lock, so 200 simultaneous sign-ups for 10 places give exactly 10 (on
PostgreSQL through row locks; on SQLite through its IMMEDIATE write transactions). A database
constraint keeps one live sign-up per person and shift, and one attendance per person and shift.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.services import has_guardian_consent, is_minor
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.core.notify import notify
from qingshe.core.timeutil import local_text
from qingshe.credit import services as credit_services
from qingshe.duty import qr
from qingshe.duty.groupcommit import GroupCommitter
from qingshe.duty.hours import confirmation_due, credited_hours
from qingshe.duty.models import (
    Activity,
    Attendance,
    CheckMethod,
    Correction,
    DutyMode,
    InsurancePolicy,
    Shift,
    SignUp,
    TrainingCourse,
    TrainingRecord,
)
from qingshe.lib.geo import haversine_m
from qingshe.orgs.models import Organisation

MAX_SHIFT = timedelta(hours=24)
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKOUT_GRACE = timedelta(hours=2)


def _deny(message: str) -> AccessDenied:
    return AccessDenied("forbidden", message)


def _lock_user(user: Any) -> None:
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _lock_shift(shift: Shift) -> Shift:
    return Shift.objects.select_for_update().select_related("activity__organiser").get(pk=shift.pk)


# --- activities and shifts ----------------------------------------------------------------------
@transaction.atomic
def activity_create(
    *,
    actor: Any,
    organiser: Organisation,
    title: str,
    mode: str = DutyMode.REGULAR,
    description: str = "",
    remote_allowed: bool = False,
    place: str = "",
    address: str = "",
    lat: float | Decimal | None = None,
    lng: float | Decimal | None = None,
    checkin_radius_m: int | None = None,
    required_courses: Iterable[TrainingCourse] = (),
    requires_insurance: bool = True,
    pairing: Any = None,
    need: Any = None,
    programme: Any = None,
) -> Activity:
    if not access.can(actor, "activity.manage", organiser):
        raise _deny(_("You may not organise activities for this organisation."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(
            "title_required", _("Please enter the activity's title."), field="title"
        )
    if mode not in DutyMode.values:
        raise ValidationFailed("invalid_mode", _("Choose a duty mode."), field="mode")
    if (lat is None) != (lng is None):
        raise ValidationFailed(
            "invalid_location", _("Give both latitude and longitude, or neither."), field="lat"
        )
    if checkin_radius_m is not None and (lat is None or not 20 <= int(checkin_radius_m) <= 5000):
        raise ValidationFailed(
            "invalid_radius",
            _("A check-in radius (20–5000 m) needs the venue's location."),
            field="checkin_radius_m",
        )
    if lat is None and pairing is None and organiser.lat is not None:
        lat, lng = organiser.lat, organiser.lng
    activity = Activity.objects.create(
        organiser=organiser,
        title=title,
        mode=mode,
        description=description.strip(),
        remote_allowed=remote_allowed,
        place=place.strip(),
        address=address.strip(),
        lat=Decimal(str(round(float(lat), 6))) if lat is not None else None,
        lng=Decimal(str(round(float(lng), 6))) if lng is not None else None,
        checkin_radius_m=checkin_radius_m,
        requires_insurance=requires_insurance,
        pairing=pairing,
        need=need,
        programme=programme,
        created_by=actor,
    )
    courses = list(required_courses)
    if courses:
        activity.required_courses.set(courses)
    audit(actor=actor, action="activity.create", obj=activity, org=organiser, data={"mode": mode})
    return activity


@transaction.atomic
def activity_cancel(*, actor: Any, activity: Activity, reason: str) -> Activity:
    if not access.can(actor, "activity.manage", activity.organiser):
        raise _deny(_("You may not change this activity."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    activity.state = Activity.State.CANCELLED
    activity.save(update_fields=["state", "updated_at"])
    # Read before the update below: afterwards no sign-up is live and nobody would be told.
    people = list(
        get_user_model()
        .objects.filter(signups__shift__activity=activity, signups__state__in=SignUp.LIVE_STATES)
        .distinct()
    )
    SignUp.objects.filter(shift__activity=activity, state__in=SignUp.LIVE_STATES).update(
        state=SignUp.State.CANCELLED, cancelled_at=timezone.now()
    )
    audit(
        actor=actor,
        action="activity.cancel",
        obj=activity,
        org=activity.organiser,
        data={"reason": reason[:200]},
    )
    notify(
        users=people,
        kind="activity.cancelled",
        title=lambda: _("Cancelled: %(title)s") % {"title": activity.title},
        body=reason,
        url=f"/duty/activities/{activity.pk}/",
    )
    return activity


@transaction.atomic
def shift_add(
    *,
    actor: Any,
    activity: Activity,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    min_people: int = 1,
    leader: Any = None,
    cancel_cutoff_hours: int = 12,
) -> Shift:
    if not access.can(actor, "activity.manage", activity.organiser):
        raise _deny(_("You may not change this activity."))
    if activity.state == Activity.State.CANCELLED:
        raise Conflict("activity_cancelled", _("This activity was cancelled."))
    if ends_at <= starts_at:
        raise ValidationFailed(
            "invalid_period", _("A shift must end after it starts."), field="ends_at"
        )
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationFailed(
            "shift_too_long", _("A shift lasts at most 24 hours."), field="ends_at"
        )
    if not 1 <= int(capacity) <= 5000:
        raise ValidationFailed(
            "invalid_capacity", _("A shift has 1 to 5000 places."), field="capacity"
        )
    if not 1 <= int(min_people) <= int(capacity):
        raise ValidationFailed(
            "invalid_minimum",
            _("The minimum head count is between 1 and the number of places."),
            field="min_people",
        )
    shift = Shift.objects.create(
        activity=activity,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=int(capacity),
        min_people=int(min_people),
        leader=leader,
        cancel_cutoff_hours=cancel_cutoff_hours,
        qr_secret=secrets.token_hex(16),
    )
    audit(actor=actor, action="shift.add", obj=shift, org=activity.organiser)
    return shift


# --- eligibility --------------------------------------------------------------------------------
def eligibility_problems(*, user: Any, shift: Shift) -> list[tuple[str, str]]:
    """What stops `user` from serving on `shift`: (code, message) pairs, empty when eligible.
    Dispatch (issue 5) asks the same question through this function."""
    problems: list[tuple[str, str]] = []
    day = timezone.localtime(shift.starts_at).date()
    activity = shift.activity
    if is_minor(user) and not has_guardian_consent(user):
        problems.append(
            (
                "guardian_consent_required",
                _("A volunteer under 18 needs a guardian's consent on file."),
            )
        )
    done = set(
        TrainingRecord.objects.filter(user=user, completed_on__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .values_list("course_id", flat=True)
    )
    missing = [c.name for c in activity.required_courses.all() if c.pk not in done]
    if missing:
        problems.append(
            (
                "training_missing",
                _("Training required first: %(courses)s.") % {"courses": "、".join(missing)},
            )
        )
    if (
        activity.requires_insurance
        and not InsurancePolicy.objects.filter(
            covered=user, valid_from__lte=day, valid_to__gte=day
        ).exists()
    ):
        problems.append(
            (
                "insurance_missing",
                _("No accident insurance covers you on %(day)s.") % {"day": day.isoformat()},
            )
        )
    return problems


def _overlapping_signup(user: Any, shift: Shift) -> SignUp | None:
    return (
        SignUp.objects.filter(
            user=user,
            state__in=SignUp.LIVE_STATES,
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift=shift)
        .select_related("shift__activity")
        .first()
    )


# --- sign-up and waitlist -----------------------------------------------------------------------
@transaction.atomic
def shift_sign_up(*, actor: Any, shift: Shift, now: datetime | None = None) -> SignUp:
    """Sign `actor` up; when the shift is full, put them on the waitlist, in order."""
    now = now or timezone.now()
    _lock_user(actor)
    shift = _lock_shift(shift)
    if shift.activity.state != Activity.State.PUBLISHED:
        raise Conflict("activity_closed", _("This activity is not open for sign-up."))
    if shift.starts_at <= now:
        raise Conflict("shift_started", _("This shift has already started."))
    if SignUp.objects.filter(shift=shift, user=actor, state__in=SignUp.LIVE_STATES).exists():
        raise Conflict("already_signed_up", _("You have already signed up for this shift."))
    problems = eligibility_problems(user=actor, shift=shift)
    if problems:
        code, message = problems[0]
        raise ValidationFailed(code, " ".join(m for _c, m in problems))
    clash = _overlapping_signup(actor, shift)
    if clash is not None:
        raise Conflict(
            "overlapping_shift",
            _("You are already signed up for %(title)s at %(time)s, which overlaps this shift.")
            % {"title": clash.shift.activity.title, "time": local_text(clash.shift.starts_at)},
        )
    confirmed = SignUp.objects.filter(shift=shift, state=SignUp.State.CONFIRMED).count()
    last = SignUp.objects.filter(shift=shift).aggregate(n=Max("queue_no"))["n"] or 0
    state = SignUp.State.CONFIRMED if confirmed < shift.capacity else SignUp.State.WAITLISTED
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(shift=shift, user=actor, state=state, queue_no=last + 1)
    except IntegrityError as exc:
        raise Conflict(
            "already_signed_up", _("You have already signed up for this shift.")
        ) from exc
    audit(actor=actor, action=f"signup.{state}", obj=signup, org=shift.activity.organiser)
    return signup


def _promote_next(shift: Shift) -> SignUp | None:
    """Called with the shift locked: move the first in line up if a place is free."""
    confirmed = SignUp.objects.filter(shift=shift, state=SignUp.State.CONFIRMED).count()
    if confirmed >= shift.capacity:
        return None
    nxt = (
        SignUp.objects.filter(shift=shift, state=SignUp.State.WAITLISTED)
        .order_by("queue_no")
        .first()
    )
    if nxt is None:
        return None
    nxt.state, nxt.promoted_at = SignUp.State.CONFIRMED, timezone.now()
    nxt.save(update_fields=["state", "promoted_at", "updated_at"])
    audit(actor=None, action="signup.promoted", obj=nxt, org=shift.activity.organiser)
    notify(
        users=[nxt.user],
        kind="signup.promoted",
        title=lambda: (
            _("A place freed up: you are now signed up for %(title)s at %(time)s")
            % {"title": shift.activity.title, "time": local_text(shift.starts_at)}
        ),
        url=f"/duty/shifts/{shift.pk}/",
    )
    return nxt


@transaction.atomic
def shift_cancel(*, actor: Any, signup: SignUp, now: datetime | None = None) -> SignUp:
    """Cancel one's own sign-up (or a steward cancels it) up to the shift's cut-off; the first
    person on the waitlist takes the place."""
    now = now or timezone.now()
    # Same lock order as shift_sign_up (person, then shift): a person cancelling while signing
    # up again cannot deadlock against themself.
    _lock_user(signup.user)
    shift = _lock_shift(signup.shift)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    steward = access.can(actor, "activity.manage", shift.activity.organiser)
    if actor.pk != signup.user_id and not steward:
        raise _deny(_("You may only cancel your own sign-up."))
    if signup.state == SignUp.State.CANCELLED:
        return signup
    cutoff = shift.starts_at - timedelta(hours=shift.cancel_cutoff_hours)
    if not steward and signup.state == SignUp.State.CONFIRMED and now > cutoff:
        raise Conflict(
            "past_cutoff",
            _("Sign-ups can be cancelled until %(time)s; please tell the shift leader instead.")
            % {"time": local_text(cutoff)},
        )
    was_confirmed = signup.state == SignUp.State.CONFIRMED
    signup.state, signup.cancelled_at = SignUp.State.CANCELLED, now
    signup.save(update_fields=["state", "cancelled_at", "updated_at"])
    audit(actor=actor, action="signup.cancel", obj=signup, org=shift.activity.organiser)
    if was_confirmed:
        _promote_next(shift)
    return signup


# --- check-in and check-out ---------------------------------------------------------------------
def _check_location(activity: Activity, lat: float | None, lng: float | None) -> None:
    if not activity.checkin_radius_m or activity.lat is None:
        return
    if lat is None or lng is None:
        raise ValidationFailed(
            "location_required", _("Allow location access: this activity checks where you are.")
        )
    distance = haversine_m((float(activity.lat), float(activity.lng)), (float(lat), float(lng)))  # type: ignore[arg-type]
    if distance > activity.checkin_radius_m:
        raise ValidationFailed(
            "too_far",
            _("You are about %(distance)d m from the venue; check in within %(radius)d m.")
            % {"distance": round(distance), "radius": activity.checkin_radius_m},
        )


def shift_for_token(token: str) -> Shift:
    try:
        shift_id = qr.shift_id_of(token)
    except qr.QrError as exc:
        raise ValidationFailed(exc.code, _("This is not a valid check-in code.")) from exc
    shift = Shift.objects.select_related("activity__organiser").filter(pk=shift_id).first()
    if shift is None:
        raise ValidationFailed("invalid_token", _("This is not a valid check-in code."))
    return shift


def _verify(token: str, shift: Shift, now: datetime) -> None:
    messages = {
        "invalid_token": _("This is not a valid check-in code."),
        "wrong_shift": _("This code belongs to another shift."),
        "expired_token": _("This code has expired; scan the code on the leader's screen again."),
    }
    try:
        qr.verify_token(token, shift_id=shift.pk, shift_secret=shift.qr_secret, now=now.timestamp())
    except qr.QrError as exc:
        raise ValidationFailed(exc.code, messages[exc.code]) from exc


def shift_qr_token(*, actor: Any, shift: Shift, now: datetime | None = None) -> str:
    """The current code for the leader's screen (leader or the organiser's stewards only)."""
    if not (
        actor.pk == shift.leader_id
        or access.can(actor, "activity.manage", shift.activity.organiser)
    ):
        raise NotFound("not_found", _("No such shift."))
    return qr.make_token(
        shift_id=shift.pk, shift_secret=shift.qr_secret, now=(now or timezone.now()).timestamp()
    )


def _check_window(shift: Shift, now: datetime) -> None:
    if now < shift.starts_at - CHECKIN_OPENS_BEFORE:
        raise ValidationFailed(
            "too_early",
            _("Check-in opens 30 minutes before the shift (%(time)s).")
            % {"time": local_text(shift.starts_at)},
        )
    if now > shift.ends_at + CHECKOUT_GRACE:
        raise ValidationFailed("shift_over", _("This shift is over."))


def _check_time_and_place(
    shift: Shift, now: datetime, lat: float | None, lng: float | None
) -> None:
    _check_window(shift, now)
    if now > shift.ends_at:
        raise ValidationFailed("shift_over", _("This shift is over."))
    _check_location(shift.activity, lat, lng)


def checkin(
    *,
    actor: Any,
    token: str,
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> Attendance:
    """Scan the leader's code. Scanning again returns the same attendance (idempotent).

    The rule, in its order: the code must be genuine, for this shift and current; an attendance
    already recorded is returned as it is; the person must have a place; the shift must be open
    (from 30 minutes before its start to its end); the venue's radius, when set.

    A festival burst is mostly first scans that pass everything, so those take a short way: the
    shift comes from this process's cache (`_CHECKIN_SHIFTS`), the code, time and place are
    checked on it, and the write (`_write_scans`: attendance already there? place? new row and
    its audit event) is committed together with other concurrent scans (`_CHECKINS`, group
    commit), after checking that the shift has not changed since it was cached. Anything else
    (no cached shift, a check failing, a shift that changed) is decided by the rule as written
    above on the shift read from the database, so every refusal and every repeated scan answers
    exactly as the rule says.
    """
    now = now or timezone.now()
    try:
        shift = _CHECKIN_SHIFTS.get(qr.shift_id_of(token))
    except qr.QrError:
        shift = None
    if shift is not None:
        try:
            _verify(token, shift, now)
            _check_time_and_place(shift, now, lat, lng)
        except ValidationFailed:
            pass
        else:
            result = _CHECKINS.submit_or_run(
                _Scan(shift=shift, user=actor, at=now, lat=lat, lng=lng)
            )
            if result is not _STALE:
                return _scan_answer(result, shift, actor)
    shift = shift_for_token(token)
    _CHECKIN_SHIFTS.put(shift)
    _verify(token, shift, now)
    existing = Attendance.objects.filter(shift=shift, user=actor).first()
    if existing is not None:
        return existing
    if not SignUp.objects.filter(shift=shift, user=actor, state=SignUp.State.CONFIRMED).exists():
        raise Conflict("not_signed_up", _("You are not signed up for this shift."))
    _check_time_and_place(shift, now, lat, lng)
    scan = _Scan(shift=shift, user=actor, at=now, lat=lat, lng=lng, read_now=True)
    return _scan_answer(_CHECKINS.submit_or_run(scan), shift, actor)


# --- the write of a check-in, committed in groups --------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Scan:
    shift: Shift  # as the request checked it
    user: Any
    at: datetime
    lat: float | None
    lng: float | None
    read_now: bool = False  # the shift was read from the database by this request, not cached


class _Outcome:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_STALE = _Outcome("STALE")  # the shift is no longer as the request checked it
_NOT_SIGNED_UP = _Outcome("NOT_SIGNED_UP")

# What a check-in relies on about its shift: if any of it differs in the database when the scan
# is written, the request decides again on the shift as it is now.
_CHECKED_FIELDS = (
    "qr_secret",
    "starts_at",
    "ends_at",
    "activity__lat",
    "activity__lng",
    "activity__checkin_radius_m",
    "activity__organiser_id",
)


def _as_checked(shift: Shift) -> tuple[Any, ...]:
    a = shift.activity
    return (
        shift.qr_secret,
        shift.starts_at,
        shift.ends_at,
        a.lat,
        a.lng,
        a.checkin_radius_m,
        a.organiser_id,
    )


def _write_scans(scans: Sequence[_Scan]) -> list[Any]:
    """Inside the caller's transaction, for each scan: the attendance already recorded, or a new
    one with its audit event when the person has a place, or _NOT_SIGNED_UP, or _STALE. A few
    queries for the whole group, whatever its size. The unique constraint on (shift, person)
    has the last word: a scan racing another process's fails the group, which the committer
    then writes one scan at a time, and a lone scan that loses the race returns the winner's row."""
    shift_ids = {s.shift.pk for s in scans}
    user_ids = {s.user.pk for s in scans}
    now_in_db = {
        row[0]: tuple(row[1:])
        for row in Shift.objects.filter(pk__in=shift_ids)
        .order_by()
        .values_list("pk", *_CHECKED_FIELDS)
    }
    existing = {
        (a.shift_id, a.user_id): a
        for a in Attendance.objects.filter(shift_id__in=shift_ids, user_id__in=user_ids).order_by()
    }
    placed = set(
        SignUp.objects.filter(
            shift_id__in=shift_ids, user_id__in=user_ids, state=SignUp.State.CONFIRMED
        )
        .order_by()
        .values_list("shift_id", "user_id")
    )
    results: list[Any] = []
    new: dict[tuple[int, int], Attendance] = {}
    for scan in scans:
        key = (scan.shift.pk, scan.user.pk)
        if not scan.read_now and now_in_db.get(scan.shift.pk) != _as_checked(scan.shift):
            results.append(_STALE)
        elif key in existing:
            results.append(existing[key])
        elif key in new:  # the same person twice in one group
            results.append(new[key])
        elif key not in placed:
            results.append(_NOT_SIGNED_UP)
        else:
            new[key] = Attendance(
                shift=scan.shift,
                user=scan.user,
                checkin_at=scan.at,
                checkin_method=CheckMethod.QR,
                checkin_lat=_coordinate(scan.lat),
                checkin_lng=_coordinate(scan.lng),
                recorded_by=scan.user,
            )
            results.append(new[key])
    if not new:
        return results
    try:
        with transaction.atomic():
            Attendance.objects.bulk_create(list(new.values()))
    except IntegrityError:
        if len(new) > 1:
            raise
        # A second scan raced the first: both end with the one attendance.
        (key,) = new
        winner = Attendance.objects.get(shift_id=key[0], user_id=key[1])
        return [winner if r is new[key] else r for r in results]
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=a.user,
                action="attendance.checkin",
                object_type=Attendance._meta.label_lower,
                object_id=str(a.pk),
                org_id=a.shift.activity.organiser_id,
                data={"method": CheckMethod.QR},
            )
            for a in new.values()
        ]
    )
    return results


def _coordinate(value: float | None) -> Decimal | None:
    return Decimal(str(round(float(value), 6))) if value is not None else None


def _scan_answer(result: Any, shift: Shift, actor: Any) -> Attendance:
    if result is _NOT_SIGNED_UP:
        raise Conflict("not_signed_up", _("You are not signed up for this shift."))
    # The answer shows the shift's times and the person: no query for them.
    result.shift, result.user = shift, actor
    return result


class _ShiftCache:
    """The shifts that check-ins last read, per process (a bounded LRU). Only a hint: every
    write checks the fields it relied on against the database (`_CHECKED_FIELDS`), so an edit
    made by any process, a rotated secret or a shift deleted and its id reused is never missed."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._shifts: OrderedDict[int, Shift] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, shift_id: int) -> Shift | None:
        with self._lock:
            shift = self._shifts.get(shift_id)
            if shift is not None:
                self._shifts.move_to_end(shift_id)
            return shift

    def put(self, shift: Shift) -> None:
        with self._lock:
            self._shifts[shift.pk] = shift
            self._shifts.move_to_end(shift.pk)
            while len(self._shifts) > self._size:
                self._shifts.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._shifts.clear()


_CHECKIN_SHIFTS = _ShiftCache()
_CHECKINS: GroupCommitter[_Scan] = GroupCommitter(_write_scans, name="checkin")


def _create_attendance(**kwargs: Any) -> Attendance:
    shift, user, at = kwargs.pop("shift"), kwargs.pop("user"), kwargs.pop("at")
    lat, lng = kwargs.pop("lat", None), kwargs.pop("lng", None)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                shift=shift,
                user=user,
                checkin_at=at,
                checkin_method=kwargs["method"],
                checkin_lat=Decimal(str(round(float(lat), 6))) if lat is not None else None,
                checkin_lng=Decimal(str(round(float(lng), 6))) if lng is not None else None,
                recorded_by=kwargs.get("recorded_by"),
            )
    except IntegrityError:
        # A second scan raced the first: both end with the one attendance.
        return Attendance.objects.get(shift=shift, user=user)
    audit(
        actor=kwargs.get("recorded_by"),
        action="attendance.checkin",
        obj=attendance,
        org=shift.activity.organiser,
        data={"method": kwargs["method"]},
    )
    return attendance


@transaction.atomic
def checkout(*, actor: Any, token: str, now: datetime | None = None) -> Attendance:
    now = now or timezone.now()
    shift = shift_for_token(token)
    _verify(token, shift, now)
    attendance = Attendance.objects.select_for_update().filter(shift=shift, user=actor).first()
    if attendance is None:
        raise Conflict("not_checked_in", _("You have not checked in to this shift."))
    return _close(attendance, at=now, method=CheckMethod.QR, actor=actor)


def _close(
    attendance: Attendance, *, at: datetime, method: str, actor: Any, auto: bool = False
) -> Attendance:
    if attendance.checkout_at is not None:
        return attendance
    if at < attendance.checkin_at:
        raise ValidationFailed("checkout_before_checkin", _("Check-out cannot be before check-in."))
    attendance.checkout_at, attendance.checkout_method, attendance.auto_checkout = at, method, auto
    attendance.state = Attendance.State.PENDING
    attendance.save(
        update_fields=["checkout_at", "checkout_method", "auto_checkout", "state", "updated_at"]
    )
    audit(
        actor=actor,
        action="attendance.checkout",
        obj=attendance,
        org=attendance.shift.activity.organiser,
        data={"auto": auto},
    )
    return attendance


def _require_leader(actor: Any, shift: Shift) -> None:
    if not (
        actor.pk == shift.leader_id
        or access.can(actor, "activity.manage", shift.activity.organiser)
    ):
        raise _deny(_("Only the shift's leader or the organiser can take the roll."))


@transaction.atomic
def roll_call(
    *,
    actor: Any,
    shift: Shift,
    user: Any,
    checkin_at: datetime,
    checkout_at: datetime | None = None,
) -> Attendance:
    """The leader checks in (and optionally out) someone without a phone."""
    shift = _lock_shift(shift)
    _require_leader(actor, shift)
    if not SignUp.objects.filter(shift=shift, user=user, state=SignUp.State.CONFIRMED).exists():
        raise Conflict("not_signed_up", _("This person is not signed up for this shift."))
    if not shift.starts_at - CHECKIN_OPENS_BEFORE <= checkin_at <= shift.ends_at:
        raise ValidationFailed(
            "outside_shift", _("The check-in time is outside the shift."), field="checkin_at"
        )
    if checkout_at is not None and checkout_at < checkin_at:
        raise ValidationFailed(
            "checkout_before_checkin",
            _("Check-out cannot be before check-in."),
            field="checkout_at",
        )
    attendance = Attendance.objects.filter(shift=shift, user=user).first() or _create_attendance(
        shift=shift, user=user, at=checkin_at, method=CheckMethod.ROLL_CALL, recorded_by=actor
    )
    if checkout_at is not None:
        attendance = _close(attendance, at=checkout_at, method=CheckMethod.ROLL_CALL, actor=actor)
    return attendance


@transaction.atomic
def remote_log_submit(
    *, actor: Any, shift: Shift, start: datetime, end: datetime, log: str
) -> Attendance:
    """Remote duty (远程线上) is recorded by a work log instead of a scan."""
    shift = _lock_shift(shift)
    if not shift.activity.remote_allowed:
        raise Conflict("not_remote", _("This activity is not done remotely."))
    if not SignUp.objects.filter(shift=shift, user=actor, state=SignUp.State.CONFIRMED).exists():
        raise Conflict("not_signed_up", _("You are not signed up for this shift."))
    log = (log or "").strip()
    if len(log) < 10:
        raise ValidationFailed(
            "log_too_short", _("Describe the work done (at least 10 characters)."), field="log"
        )
    if end <= start or end - start > MAX_SHIFT:
        raise ValidationFailed(
            "invalid_period",
            _("The work period must end after it starts and last at most 24 hours."),
            field="end",
        )
    if start < shift.starts_at - CHECKIN_OPENS_BEFORE or end > shift.ends_at + CHECKOUT_GRACE:
        raise ValidationFailed(
            "outside_shift", _("The work period is outside the shift."), field="start"
        )
    if Attendance.objects.filter(shift=shift, user=actor).exists():
        raise Conflict("already_recorded", _("Your attendance for this shift is already recorded."))
    attendance = _create_attendance(
        shift=shift, user=actor, at=start, method=CheckMethod.REMOTE_LOG, recorded_by=actor
    )
    attendance.remote_log = log
    attendance.save(update_fields=["remote_log", "updated_at"])
    return _close(attendance, at=end, method=CheckMethod.REMOTE_LOG, actor=actor)


@transaction.atomic
def auto_checkout_due(*, now: datetime | None = None) -> int:
    """Check out, at the shift's end and flagged for the confirmer, everyone who forgot."""
    now = now or timezone.now()
    forgotten = (
        Attendance.objects.select_for_update()
        .filter(state=Attendance.State.OPEN, shift__ends_at__lte=now - CHECKOUT_GRACE)
        .select_related("shift__activity__organiser")
    )
    count = 0
    for attendance in forgotten:
        _close(
            attendance,
            at=max(attendance.shift.ends_at, attendance.checkin_at),
            method=CheckMethod.AUTO,
            actor=None,
            auto=True,
        )
        count += 1
    return count


# --- confirmation and corrections ---------------------------------------------------------------
def _overlapping_credit(
    user: Any, start: datetime, end: datetime, exclude_pk: int
) -> Attendance | None:
    return (
        Attendance.objects.filter(
            user=user,
            state=Attendance.State.CONFIRMED,
            confirmed_start__lt=end,
            confirmed_end__gt=start,
        )
        .exclude(pk=exclude_pk)
        .select_related("shift__activity")
        .first()
    )


def _validate_period(attendance: Attendance, start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValidationFailed(
            "invalid_period", _("The period must end after it starts."), field="end"
        )
    if end - start > MAX_SHIFT:
        raise ValidationFailed(
            "invalid_period", _("A period on duty lasts at most 24 hours."), field="end"
        )
    clash = _overlapping_credit(attendance.user, start, end, attendance.pk)
    if clash is not None:
        raise Conflict(
            "overlapping_credit",
            _("This period overlaps hours already credited for %(title)s (%(time)s).")
            % {"title": clash.shift.activity.title, "time": local_text(clash.confirmed_start)},  # type: ignore[arg-type]
        )


def may_confirm(*, actor: Any, shift: Shift, today: date) -> bool:
    """Whether `actor` may confirm or reject attendance of `shift` on `today`: the rule the
    confirmation services enforce, for pages deciding which buttons to show."""
    try:
        _require_shift_confirmer(actor, shift, today)
    except (NotFound, Conflict, AccessDenied):
        return False
    return True


def _require_confirmer(actor: Any, attendance: Attendance, today: date) -> None:
    _require_shift_confirmer(actor, attendance.shift, today)


def _require_shift_confirmer(actor: Any, shift: Shift, today: date) -> None:
    organiser = shift.activity.organiser
    if not access.can(actor, "attendance.confirm", organiser) and not access.can(
        actor, "attendance.confirm_overdue", organiser
    ):
        raise NotFound("not_found", _("No such attendance."))
    due = confirmation_due(timezone.localtime(shift.starts_at).date())
    if today > due and not access.can(actor, "attendance.confirm_overdue", organiser):
        raise Conflict(
            "confirmation_overdue",
            _(
                "Attendance must be confirmed within 10 working days (by %(due)s); ask the league committee."
            )
            % {"due": due.isoformat()},
        )
    if not access.can(actor, "attendance.confirm", organiser) and today <= due:
        raise _deny(
            _(
                "Only the organiser's staff confirm attendance in time; the committee handles overdue ones."
            )
        )


@transaction.atomic
def attendance_confirm(
    *,
    actor: Any,
    attendance: Attendance,
    start: datetime | None = None,
    end: datetime | None = None,
    reason: str = "",
) -> Attendance:
    """The community's stamp: confirm the time on duty (adjusted with a reason) and credit hours."""
    _lock_user(attendance.user)
    attendance = (
        Attendance.objects.select_for_update()
        .select_related("shift__activity__organiser", "user")
        .get(pk=attendance.pk)
    )
    _require_confirmer(actor, attendance, timezone.localdate())
    if attendance.state != Attendance.State.PENDING:
        if attendance.state == Attendance.State.CONFIRMED:
            raise Conflict("already_confirmed", _("This attendance is already confirmed."))
        raise Conflict("not_checked_out", _("This person has not checked out yet."))
    start = start or attendance.checkin_at
    end = end or attendance.checkout_at
    assert end is not None
    adjusted = start != attendance.checkin_at or end != attendance.checkout_at
    reason = (reason or "").strip()
    if adjusted and not reason:
        raise ValidationFailed(
            "reason_required", _("Say why the times were adjusted."), field="reason"
        )
    _validate_period(attendance, start, end)
    attendance.confirmed_start, attendance.confirmed_end = start, end
    attendance.credited_hours = credited_hours(start, end)
    attendance.confirmed_by, attendance.confirmed_at = actor, timezone.now()
    attendance.adjust_reason = reason[:200]
    attendance.state = Attendance.State.CONFIRMED
    attendance.save()
    credit_services.ledger_post_attendance(attendance=attendance, actor=actor)  # the hours ledger
    audit(
        actor=actor,
        action="attendance.confirm",
        obj=attendance,
        org=attendance.shift.activity.organiser,
        data={"hours": str(attendance.credited_hours), "adjusted": adjusted},
    )
    return attendance


@transaction.atomic
def attendance_confirm_many(*, actor: Any, attendances: Iterable[Attendance]) -> list[Attendance]:
    """Confirm several as recorded, all or none: the first problem names the person."""
    done = []
    for attendance in attendances:
        try:
            done.append(attendance_confirm(actor=actor, attendance=attendance))
        except (ValidationFailed, Conflict) as exc:
            raise type(exc)(
                exc.code, f"{attendance.user.name}: {exc.message}", field=exc.field
            ) from exc
    return done


@transaction.atomic
def attendance_reject(*, actor: Any, attendance: Attendance, reason: str) -> Attendance:
    attendance = (
        Attendance.objects.select_for_update()
        .select_related("shift__activity__organiser")
        .get(pk=attendance.pk)
    )
    _require_confirmer(actor, attendance, timezone.localdate())
    if attendance.state == Attendance.State.CONFIRMED:
        raise Conflict(
            "already_confirmed", _("Confirmed attendance is changed by a correction request.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    attendance.state, attendance.adjust_reason = Attendance.State.REJECTED, reason[:200]
    attendance.confirmed_by, attendance.confirmed_at = actor, timezone.now()
    attendance.save()
    audit(
        actor=actor,
        action="attendance.reject",
        obj=attendance,
        org=attendance.shift.activity.organiser,
        data={"reason": reason[:200]},
    )
    return attendance


@transaction.atomic
def correction_request(
    *, actor: Any, attendance: Attendance, new_start: datetime, new_end: datetime, reason: str
) -> Correction:
    """After confirmation, times change only through a request the confirmer decides."""
    attendance = Attendance.objects.select_related("shift__activity__organiser", "user").get(
        pk=attendance.pk
    )
    if actor.pk not in (attendance.user_id, attendance.shift.leader_id) and not access.can(
        actor, "attendance.confirm", attendance.shift.activity.organiser
    ):
        raise NotFound("not_found", _("No such attendance."))
    if attendance.state != Attendance.State.CONFIRMED:
        raise Conflict(
            "not_confirmed",
            _("Only confirmed attendance is corrected; before that the confirmer adjusts it."),
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    _validate_period(attendance, new_start, new_end)
    if attendance.corrections.filter(state=Correction.State.PENDING).exists():
        raise Conflict(
            "correction_pending",
            _("A correction of this attendance is already waiting for a decision."),
        )
    correction = Correction.objects.create(
        attendance=attendance,
        requested_by=actor,
        new_start=new_start,
        new_end=new_end,
        reason=reason[:200],
    )
    audit(
        actor=actor,
        action="correction.request",
        obj=correction,
        org=attendance.shift.activity.organiser,
    )
    organiser = attendance.shift.activity.organiser
    notify(
        users=access.holders_over(organiser, access.ORG_ACTIONS["attendance.confirm"]),
        kind="correction.to_decide",
        title=lambda: (
            _("%(name)s asks to correct the hours of %(title)s")
            % {"name": attendance.user.name, "title": attendance.shift.activity.title}
        ),
        body=reason,
        url="/duty/confirm/",
    )
    return correction


@transaction.atomic
def correction_decide(
    *, actor: Any, correction: Correction, approve: bool, note: str = ""
) -> Correction:
    correction = (
        Correction.objects.select_for_update()
        .select_related("attendance__shift__activity__organiser", "attendance__user")
        .get(pk=correction.pk)
    )
    attendance = correction.attendance
    if not access.can(actor, "attendance.confirm", attendance.shift.activity.organiser):
        raise NotFound("not_found", _("No such correction request."))
    if correction.state != Correction.State.PENDING:
        raise Conflict("already_decided", _("This request has already been decided."))
    if approve:
        _lock_user(attendance.user)
        attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
        _validate_period(attendance, correction.new_start, correction.new_end)
        correction.previous_start, correction.previous_end = (
            attendance.confirmed_start,
            attendance.confirmed_end,
        )
        correction.previous_hours = attendance.credited_hours
        attendance.confirmed_start, attendance.confirmed_end = (
            correction.new_start,
            correction.new_end,
        )
        attendance.credited_hours = credited_hours(correction.new_start, correction.new_end)
        attendance.save(
            update_fields=["confirmed_start", "confirmed_end", "credited_hours", "updated_at"]
        )
    elif not (note or "").strip():
        raise ValidationFailed(
            "reason_required", _("Say why the request is refused."), field="note"
        )
    correction.state = Correction.State.APPROVED if approve else Correction.State.REJECTED
    correction.decided_by, correction.decided_at, correction.decision_note = (
        actor,
        timezone.now(),
        note.strip()[:200],
    )
    correction.save()
    if approve:  # the hours ledger: a reversing entry and the corrected one
        credit_services.ledger_post_correction(correction=correction, actor=actor)
    audit(
        actor=actor,
        action=f"correction.{correction.state}",
        obj=correction,
        org=attendance.shift.activity.organiser,
        data={"hours": str(attendance.credited_hours)},
    )
    notify(
        users=[correction.requested_by] if correction.requested_by else [],
        kind=f"correction.{correction.state}",
        title=lambda: (
            _("Your correction was approved") if approve else _("Your correction was refused")
        ),
        body=correction.decision_note,
        url=f"/duty/shifts/{attendance.shift_id}/",
    )
    return correction


# --- training and insurance ---------------------------------------------------------------------
@transaction.atomic
def training_record(
    *, actor: Any, course: TrainingCourse, user: Any, completed_on: date, session: Any = None
) -> TrainingRecord:
    if not access.can(actor, "training.manage", course.org):
        raise _deny(_("You may not record training for this course."))
    if completed_on > timezone.localdate():
        raise ValidationFailed(
            "future_date", _("Training cannot be recorded before it happens."), field="completed_on"
        )
    valid_until = None
    if course.valid_months:
        month = completed_on.month - 1 + course.valid_months
        year = completed_on.year + month // 12
        valid_until = date(year, month % 12 + 1, 1) - timedelta(days=1)
    record, created = TrainingRecord.objects.get_or_create(
        course=course,
        user=user,
        completed_on=completed_on,
        defaults={"session": session, "valid_until": valid_until, "recorded_by": actor},
    )
    if created:
        audit(actor=actor, action="training.record", obj=record, org=course.org)
    return record


@transaction.atomic
def insurance_policy_add(
    *,
    actor: Any,
    holder: Organisation,
    insurer: str,
    policy_no: str,
    valid_from: date,
    valid_to: date,
    covered: Iterable[Any],
) -> InsurancePolicy:
    if not access.can(actor, "org.manage", holder) and not access.can(
        actor, "activity.manage", holder
    ):
        raise _deny(_("You may not record insurance for this organisation."))
    insurer, policy_no = (insurer or "").strip(), (policy_no or "").strip()
    if not insurer or not policy_no:
        raise ValidationFailed(
            "policy_required", _("Enter the insurer and the policy number."), field="policy_no"
        )
    if valid_to < valid_from:
        raise ValidationFailed(
            "invalid_period", _("The policy ends before it starts."), field="valid_to"
        )
    if InsurancePolicy.objects.filter(insurer=insurer, policy_no=policy_no).exists():
        raise Conflict("duplicate_policy", _("This policy is already recorded."), field="policy_no")
    policy = InsurancePolicy.objects.create(
        holder=holder,
        insurer=insurer,
        policy_no=policy_no,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    people = list(covered)
    policy.covered.set(people)
    audit(
        actor=actor, action="insurance.add", obj=policy, org=holder, data={"covered": len(people)}
    )
    return policy


# --- added for the duty pages (training admin) --------------------------------------------------
@transaction.atomic
def training_course_create(
    *,
    actor: Any,
    org: Organisation,
    name: str,
    topic: str,
    description: str = "",
    valid_months: int | None = None,
) -> TrainingCourse:
    """A course offered by `org` (first aid, door-to-door visits, mediation…)."""
    from qingshe.duty.models import TrainingTopic

    if not access.can(actor, "training.manage", org):
        raise _deny(_("You may not offer training for this organisation."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please enter the course's name."), field="name")
    if topic not in TrainingTopic.values:
        raise ValidationFailed("invalid_topic", _("Choose a topic."), field="topic")
    if valid_months is not None and not 1 <= int(valid_months) <= 120:
        raise ValidationFailed(
            "invalid_validity", _("A course is valid for 1 to 120 months."), field="valid_months"
        )
    course = TrainingCourse.objects.create(
        org=org,
        name=name,
        topic=topic,
        description=(description or "").strip(),
        valid_months=valid_months,
    )
    audit(actor=actor, action="training.course_create", obj=course, org=org)
    return course


# --- end of the block added for the duty pages --------------------------------------------------

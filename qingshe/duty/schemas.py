"""API schemas of duty: activities, shifts, sign-ups, check-in and check-out, attendance and its
confirmation, corrections (see duty/api.py).

Inputs carry only the bounds that keep a request sane; the business rules (periods, places,
eligibility, deadlines, overlaps) stay in duty/services.py so that pages and the API answer the
same codes.
"""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from qingshe.duty.hours import confirmation_due
from qingshe.duty.models import Activity, Attendance, Correction, DutyMode, Shift, SignUp

DutyModeName = Literal["regular", "concentrated", "stage"]


def _aware(value: datetime | None) -> datetime | None:
    """A time without an offset is local time (Asia/Shanghai), as people write it."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


class _Times(Schema):
    @field_validator("*", mode="after")
    @classmethod
    def _local_if_naive(cls, value: object) -> object:
        return _aware(value) if isinstance(value, datetime) else value


# --- references ---------------------------------------------------------------------------------
class OrgRefOut(Schema):
    id: int = Field(..., description="ID of the organisation.")
    name: str = Field(..., description="Full name.")


class PersonRefOut(Schema):
    id: int = Field(..., description="ID of the person.")
    name: str = Field(..., description="Their name.")


class ActivityRefOut(Schema):
    id: int = Field(..., description="ID of the activity.")
    title: str = Field(..., description="Its title.")
    place: str = Field(..., description="Where it happens.")


class CourseRefOut(Schema):
    id: int = Field(..., description="ID of the training course.")
    name: str = Field(..., description="Its name.")


# --- activities ---------------------------------------------------------------------------------
class ActivityOut(Schema):
    id: int = Field(..., description="ID of the activity.")
    title: str = Field(..., description="Title.")
    description: str = Field(..., description="What volunteers do.")
    mode: str = Field(
        ...,
        description="Duty mode: `regular` (term time), `concentrated` (vacation), `stage` (major event).",
    )
    mode_label: str = Field(..., description="The duty mode, in the request's language.")
    remote_allowed: bool = Field(
        ..., description="Work may be done remotely and recorded by a work log."
    )
    organiser: OrgRefOut = Field(
        ..., description="The organisation that runs it and whose staff confirm attendance."
    )
    place: str = Field(..., description="Venue.")
    address: str = Field(..., description="Address of the venue.")
    lat: Decimal | None = Field(None, description="Latitude of the venue.")
    lng: Decimal | None = Field(None, description="Longitude of the venue.")
    checkin_radius_m: int | None = Field(
        None,
        description="Check-in must be within this many metres of the venue; empty: not checked.",
    )
    requires_insurance: bool = Field(
        ..., description="Volunteers need accident insurance covering the day."
    )
    state: str = Field(..., description="`draft`, `published` or `cancelled`.")
    pairing_id: int | None = Field(None, description="The pairing it belongs to, if any.")
    need_id: int | None = Field(None, description="The need it answers, if any.")
    programme_id: int | None = Field(None, description="The programme it belongs to, if any.")
    created_at: datetime = Field(..., description="When it was created (UTC).")

    @staticmethod
    def resolve_mode_label(obj: Activity) -> str:
        return str(obj.get_mode_display())


class ActivityDetailOut(ActivityOut):
    required_courses: list[CourseRefOut] = Field(
        ..., description="Training required before signing up."
    )

    @staticmethod
    def resolve_required_courses(obj: Activity) -> list[object]:
        return list(obj.required_courses.all())


class ActivityFilter(Schema):
    mode: DutyModeName | None = Field(None, description="Only activities of this duty mode.")
    organiser: int | None = Field(None, description="Only activities of this organiser (ID).")
    q: str = Field("", max_length=60, description="Search in the title and the venue.")


class ActivityIn(Schema):
    organiser: int = Field(
        ..., description="ID of the organising organisation (must be visible to the caller)."
    )
    title: str = Field(..., max_length=120, description="Title.")
    mode: DutyModeName = Field(DutyMode.REGULAR.value, description="Duty mode.")  # type: ignore[assignment]
    description: str = Field("", max_length=5000, description="What volunteers do.")
    remote_allowed: bool = Field(
        False, description="Work may be done remotely (recorded by a work log)."
    )
    place: str = Field("", max_length=120, description="Venue.")
    address: str = Field("", max_length=200, description="Address.")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude of the venue.")
    lng: float | None = Field(None, ge=-180, le=180, description="Longitude of the venue.")
    checkin_radius_m: int | None = Field(
        None, description="Check-in radius in metres (20–5000; needs the location)."
    )
    required_courses: list[int] = Field(
        [], max_length=20, description="IDs of the training courses required."
    )
    requires_insurance: bool = Field(
        True, description="Volunteers need accident insurance covering the day."
    )


# --- shifts -------------------------------------------------------------------------------------
class ShiftOut(Schema):
    id: int = Field(..., description="ID of the shift.")
    activity_id: int = Field(..., description="ID of its activity.")
    starts_at: datetime = Field(..., description="Start (UTC).")
    ends_at: datetime = Field(..., description="End (UTC).")
    capacity: int = Field(..., description="Places.")
    min_people: int = Field(..., description="Minimum head count.")
    leader: PersonRefOut | None = Field(None, description="The shift leader, if named.")
    cancel_cutoff_hours: int = Field(
        ..., description="Sign-ups can be cancelled until this many hours before the start."
    )
    signed_up: int = Field(..., description="People signed up (confirmed places).")
    places_left: int = Field(..., description="Places still free.")
    waitlist: int = Field(..., description="People on the waitlist.")
    mine: bool = Field(False, description="The caller is signed up or on the waitlist.")

    @staticmethod
    def resolve_places_left(obj: Shift) -> int:
        return max(obj.capacity - int(getattr(obj, "signed_up", 0)), 0)

    @staticmethod
    def resolve_waitlist(obj: Shift) -> int:
        return int(getattr(obj, "waitlisted", 0))

    @staticmethod
    def resolve_signed_up(obj: Shift) -> int:
        return int(getattr(obj, "signed_up", 0))

    @staticmethod
    def resolve_mine(obj: Shift) -> bool:
        return bool(getattr(obj, "mine", False))


class ShiftIn(_Times):
    starts_at: datetime = Field(
        ..., description="Start (ISO 8601; without an offset: Asia/Shanghai)."
    )
    ends_at: datetime = Field(..., description="End, after the start and at most 24 h later.")
    capacity: int = Field(..., description="Places (1–5000).")
    min_people: int = Field(1, description="Minimum head count (1 to the places).")
    leader: int | None = Field(
        None, description="ID of the shift leader (a person the caller can see)."
    )
    cancel_cutoff_hours: int = Field(
        12, ge=0, le=720, description="Cancellation closes this many hours before the start."
    )


class QrOut(Schema):
    shift_id: int = Field(..., description="ID of the shift.")
    token: str = Field(
        ...,
        description="The current signed check-in code (send it to `POST /checkin` or `/checkout`).",
    )
    url: str = Field(..., description="The check-in page the QR code opens on a phone.")
    svg: str = Field(..., description="The QR code of `url`, as an SVG document.")
    expires_in: int = Field(..., description="Seconds until this code stops being accepted.")
    refresh_in: int = Field(
        ..., description="Seconds until a new code is shown (fetch again then)."
    )


# --- sign-ups -----------------------------------------------------------------------------------
class SignUpOut(Schema):
    id: int = Field(..., description="ID of the sign-up.")
    shift_id: int = Field(..., description="ID of the shift.")
    state: str = Field(..., description="`confirmed` (has a place), `waitlisted` or `cancelled`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    queue_no: int = Field(
        ..., description="Order of signing up; on the waitlist, the first is promoted first."
    )
    promoted_at: datetime | None = Field(
        None, description="When a freed place was given to them from the waitlist."
    )
    cancelled_at: datetime | None = Field(None, description="When it was cancelled.")

    @staticmethod
    def resolve_state_label(obj: SignUp) -> str:
        return str(obj.get_state_display())


class CancelIn(Schema):
    signup: int | None = Field(
        None,
        description="ID of the sign-up to cancel (organisers cancelling for someone); default: the caller's own.",
    )


class MyShiftOut(SignUpOut):
    activity: ActivityRefOut = Field(..., description="The activity.")
    starts_at: datetime = Field(..., description="Start of the shift (UTC).")
    ends_at: datetime = Field(..., description="End of the shift (UTC).")
    waitlist_position: int | None = Field(
        None, description="Place in line on the waitlist (1 = next), if waiting."
    )
    attendance_id: int | None = Field(None, description="ID of the attendance, once checked in.")
    attendance_state: str | None = Field(
        None, description="State of the attendance (`open`, `pending`, `confirmed`, `rejected`)."
    )
    credited_hours: Decimal | None = Field(None, description="Hours credited once confirmed.")

    @staticmethod
    def resolve_activity(obj: SignUp) -> Activity:
        return obj.shift.activity

    @staticmethod
    def resolve_starts_at(obj: SignUp) -> datetime:
        return obj.shift.starts_at

    @staticmethod
    def resolve_ends_at(obj: SignUp) -> datetime:
        return obj.shift.ends_at

    @staticmethod
    def resolve_waitlist_position(obj: SignUp) -> int | None:
        return getattr(obj, "position", None)

    @staticmethod
    def resolve_attendance_id(obj: SignUp) -> int | None:
        return getattr(obj, "attendance_id", None)

    @staticmethod
    def resolve_attendance_state(obj: SignUp) -> str | None:
        return getattr(obj, "attendance_state", None)

    @staticmethod
    def resolve_credited_hours(obj: SignUp) -> Decimal | None:
        return getattr(obj, "attendance_hours", None)


# --- check-in and attendance --------------------------------------------------------------------
class CheckinIn(Schema):
    token: str = Field(
        ..., max_length=200, description="The code scanned from the leader's screen."
    )
    lat: float | None = Field(
        None,
        ge=-90,
        le=90,
        description="The phone's latitude (needed where the venue checks location).",
    )
    lng: float | None = Field(None, ge=-180, le=180, description="The phone's longitude.")


class CheckoutIn(Schema):
    token: str = Field(
        ..., max_length=200, description="The code scanned from the leader's screen."
    )


class RollCallIn(_Times):
    user: int = Field(..., description="ID of the person (signed up for the shift).")
    checkin_at: datetime = Field(..., description="When they arrived.")
    checkout_at: datetime | None = Field(None, description="When they left, if already gone.")


class RemoteLogIn(_Times):
    start: datetime = Field(..., description="Start of the work.")
    end: datetime = Field(..., description="End of the work.")
    log: str = Field(..., max_length=5000, description="What was done (at least 10 characters).")


class AttendanceOut(Schema):
    id: int = Field(..., description="ID of the attendance.")
    shift_id: int = Field(..., description="ID of the shift.")
    user: PersonRefOut = Field(..., description="The volunteer.")
    state: str = Field(
        ...,
        description="`open` (checked in), `pending` (awaiting confirmation), `confirmed` or `rejected`.",
    )
    state_label: str = Field(..., description="The state, in the request's language.")
    checkin_at: datetime = Field(..., description="Checked in at (UTC).")
    checkin_method: str = Field(..., description="`qr`, `roll_call`, `remote_log` or `auto`.")
    checkout_at: datetime | None = Field(None, description="Checked out at (UTC).")
    checkout_method: str = Field(..., description="How the check-out was made (empty while open).")
    auto_checkout: bool = Field(
        ..., description="The person forgot to check out: closed at the shift's end (check it)."
    )
    remote_log: str = Field(..., description="The work log of remote duty.")
    confirmed_start: datetime | None = Field(None, description="Confirmed period: from.")
    confirmed_end: datetime | None = Field(None, description="Confirmed period: until.")
    adjust_reason: str = Field(
        ..., description="Why the confirmer adjusted the times, or why it was not confirmed."
    )
    credited_hours: Decimal = Field(
        ..., description="Hours credited (to the half hour; under 15 minutes counts 0)."
    )
    confirm_by: date = Field(
        ..., description="Last local day for the confirmation (10 working days after the shift)."
    )

    @staticmethod
    def resolve_state_label(obj: Attendance) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_confirm_by(obj: Attendance) -> date:
        return confirmation_due(timezone.localtime(obj.shift.starts_at).date())


class DueAttendanceOut(AttendanceOut):
    overdue: bool = Field(
        ...,
        description="The 10-working-day deadline has passed (the league committee confirms it now).",
    )
    activity: ActivityRefOut = Field(..., description="The activity.")
    shift_starts_at: datetime = Field(..., description="Start of the shift (UTC).")

    @staticmethod
    def resolve_overdue(obj: Attendance) -> bool:
        return timezone.localdate() > confirmation_due(
            timezone.localtime(obj.shift.starts_at).date()
        )

    @staticmethod
    def resolve_activity(obj: Attendance) -> Activity:
        return obj.shift.activity

    @staticmethod
    def resolve_shift_starts_at(obj: Attendance) -> datetime:
        return obj.shift.starts_at


AttendanceState = Literal["open", "pending", "confirmed", "rejected"]


class AttendanceFilter(Schema):
    state: AttendanceState | None = Field(
        "pending", description="Only this state (default `pending`: what is due for confirmation)."
    )
    shift: int | None = Field(None, description="Only this shift (ID).")


class ConfirmIn(_Times):
    start: datetime | None = Field(
        None, description="Confirmed start, if different from the check-in."
    )
    end: datetime | None = Field(
        None, description="Confirmed end, if different from the check-out."
    )
    reason: str = Field(
        "", max_length=200, description="Why the times were adjusted (required when they are)."
    )


class BulkConfirmIn(Schema):
    # Each ID bounded to a 64-bit key: a larger one made the database driver fail (a 500).
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        ...,
        min_length=1,
        max_length=500,
        description="IDs of the attendances to confirm as recorded; all or none.",
    )


class RejectIn(Schema):
    reason: str = Field(..., max_length=200, description="Why it is not confirmed.")


class CorrectionIn(_Times):
    start: datetime = Field(..., description="The corrected start.")
    end: datetime = Field(..., description="The corrected end.")
    reason: str = Field(..., max_length=200, description="Why the confirmed times are wrong.")


class DecideIn(Schema):
    approve: bool = Field(..., description="true approves the correction, false refuses it.")
    note: str = Field("", max_length=200, description="A note; required when refusing.")


class CorrectionOut(Schema):
    id: int = Field(..., description="ID of the correction request.")
    attendance_id: int = Field(..., description="ID of the attendance.")
    state: str = Field(..., description="`pending`, `approved` or `rejected`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    new_start: datetime = Field(..., description="Requested start.")
    new_end: datetime = Field(..., description="Requested end.")
    reason: str = Field(..., description="Why.")
    previous_start: datetime | None = Field(
        None, description="Confirmed start before an approval (the trail)."
    )
    previous_end: datetime | None = Field(None, description="Confirmed end before an approval.")
    previous_hours: Decimal | None = Field(None, description="Hours credited before an approval.")
    decided_at: datetime | None = Field(None, description="When it was decided.")
    decision_note: str = Field(..., description="The confirmer's note.")

    @staticmethod
    def resolve_state_label(obj: Correction) -> str:
        return str(obj.get_state_display())

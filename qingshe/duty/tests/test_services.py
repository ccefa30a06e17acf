from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import Notification
from qingshe.duty import qr, services
from qingshe.duty.models import Attendance, Correction, SignUp
from qingshe.duty.tests.conftest import at

VENUE = {"lat": 26.2655, "lng": 117.6390}  # ~15 m from the venue


def _insured(city, d, name):  # type: ignore[no-untyped-def]
    user = UserFactory(name=name)
    d.policy.covered.add(user)
    return user


def _token(d, minutes):  # type: ignore[no-untyped-def]
    return qr.make_token(
        shift_id=d.shift.pk, shift_secret=d.shift.qr_secret, now=at(d, minutes).timestamp()
    )


def _checked_in_and_out(city, d, user=None, minutes_in=0, minutes_out=120):  # type: ignore[no-untyped-def]
    user = user or city.student
    services.shift_sign_up(actor=user, shift=d.shift)
    services.checkin(actor=user, token=_token(d, minutes_in), now=at(d, minutes_in), **VENUE)
    return services.checkout(actor=user, token=_token(d, minutes_out), now=at(d, minutes_out))


# --- shifts -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hours", "capacity", "code"),
    [(-1, 5, "invalid_period"), (25, 5, "shift_too_long"), (2, 0, "invalid_capacity")],
)
def test_shift_bad_input(city, duty, hours, capacity, code) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.shift_add(
            actor=city.staff,
            activity=duty.activity,
            starts_at=duty.start,
            ends_at=duty.start + timedelta(hours=hours),
            capacity=capacity,
        )
    assert err.value.code == code
    assert duty.activity.shifts.count() == 1


def test_only_organisers_create_activities(city) -> None:
    for outsider in (city.other_staff, city.student, city.resident):
        with pytest.raises(AccessDenied):
            services.activity_create(actor=outsider, organiser=city.community, title="x")


# --- sign-up and waitlist -----------------------------------------------------------------------
def test_waitlist_in_order_and_promotion(city, duty) -> None:
    a, b = city.student, city.student2
    c, e = _insured(city, duty, "丙"), _insured(city, duty, "丁")
    assert services.shift_sign_up(actor=a, shift=duty.shift).state == SignUp.State.CONFIRMED
    assert services.shift_sign_up(actor=b, shift=duty.shift).state == SignUp.State.CONFIRMED
    wc = services.shift_sign_up(actor=c, shift=duty.shift)
    we = services.shift_sign_up(actor=e, shift=duty.shift)
    assert (wc.state, we.state) == (SignUp.State.WAITLISTED, SignUp.State.WAITLISTED)
    assert wc.queue_no < we.queue_no
    services.shift_cancel(actor=a, signup=SignUp.objects.get(user=a))
    wc.refresh_from_db()
    we.refresh_from_db()
    assert wc.state == SignUp.State.CONFIRMED and wc.promoted_at
    assert we.state == SignUp.State.WAITLISTED


def test_promotion_notifies_after_commit(city, duty, django_capture_on_commit_callbacks) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    waiting = _insured(city, duty, "丙")
    services.shift_sign_up(actor=waiting, shift=duty.shift)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_cancel(actor=city.student, signup=SignUp.objects.get(user=city.student))
    assert Notification.objects.filter(user=waiting, kind="signup.promoted").exists()


def test_no_double_or_overlapping_sign_up(city, duty) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    with pytest.raises(Conflict) as err:
        services.shift_sign_up(actor=city.student, shift=duty.shift)
    assert err.value.code == "already_signed_up"
    other = services.activity_create(actor=city.staff, organiser=city.community, title="周末课堂")
    overlapping = services.shift_add(
        actor=city.staff, activity=other, starts_at=at(duty, 60), ends_at=at(duty, 180), capacity=5
    )
    with pytest.raises(Conflict) as err:
        services.shift_sign_up(actor=city.student, shift=overlapping)
    assert err.value.code == "overlapping_shift" and "敬老院陪伴" in str(err.value.message)
    assert SignUp.objects.filter(user=city.student).count() == 1


def test_training_insurance_and_guardian_prerequisites(city, duty) -> None:
    duty.activity.required_courses.add(duty.course)
    with pytest.raises(ValidationFailed) as err:
        services.shift_sign_up(actor=city.student, shift=duty.shift)
    assert err.value.code == "training_missing" and "社区急救" in str(err.value.message)
    services.training_record(
        actor=city.staff, course=duty.course, user=city.student, completed_on=timezone.localdate()
    )
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    uninsured = UserFactory(name="无保险")
    services.training_record(
        actor=city.staff, course=duty.course, user=uninsured, completed_on=timezone.localdate()
    )
    with pytest.raises(ValidationFailed) as err:
        services.shift_sign_up(actor=uninsured, shift=duty.shift)
    assert err.value.code == "insurance_missing"


def test_cancel_cutoff(city, duty) -> None:
    signup = services.shift_sign_up(actor=city.student, shift=duty.shift)
    with pytest.raises(Conflict) as err:
        services.shift_cancel(actor=city.student, signup=signup, now=at(duty, -60))
    assert err.value.code == "past_cutoff"
    with pytest.raises(AccessDenied):
        services.shift_cancel(actor=city.student2, signup=signup)
    services.shift_cancel(actor=city.staff, signup=signup, now=at(duty, -60))  # the organiser may


# --- check-in and check-out ---------------------------------------------------------------------
def test_checkin_and_checkout_with_rotating_code(city, duty) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    attendance = services.checkin(
        actor=city.student, token=_token(duty, 5), now=at(duty, 5), **VENUE
    )
    again = services.checkin(actor=city.student, token=_token(duty, 1), now=at(duty, 1), **VENUE)
    assert again.pk == attendance.pk and Attendance.objects.count() == 1  # idempotent
    attendance = services.checkout(actor=city.student, token=_token(duty, 118), now=at(duty, 118))
    assert attendance.state == Attendance.State.PENDING and not attendance.auto_checkout


@pytest.mark.parametrize(
    ("token_at", "now_at", "code"),
    [(0, 2, "expired_token"), (0, 90, "expired_token")],
)
def test_old_codes_are_refused(city, duty, token_at, now_at, code) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    with pytest.raises(ValidationFailed) as err:
        services.checkin(
            actor=city.student, token=_token(duty, token_at), now=at(duty, now_at), **VENUE
        )
    assert err.value.code == code
    assert not Attendance.objects.exists()


def test_forged_and_foreign_codes_are_refused(city, duty) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    forged = f"{duty.shift.pk}.{int(at(duty, 0).timestamp() // 30)}:AAAAAAAAAAAAAAAAAAAA"
    with pytest.raises(ValidationFailed) as err:
        services.checkin(actor=city.student, token=forged, now=at(duty, 0), **VENUE)
    assert err.value.code == "invalid_token"
    other = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=at(duty, 180),
        ends_at=at(duty, 240),
        capacity=3,
    )
    foreign = qr.make_token(
        shift_id=other.pk, shift_secret=other.qr_secret, now=at(duty, 180).timestamp()
    )
    with pytest.raises(Conflict) as err:
        services.checkin(actor=city.student, token=foreign, now=at(duty, 180), **VENUE)
    assert err.value.code == "not_signed_up"
    # a code signed with one shift's secret but naming another shift
    swapped = qr.make_token(
        shift_id=other.pk, shift_secret=duty.shift.qr_secret, now=at(duty, 0).timestamp()
    )
    with pytest.raises(ValidationFailed):
        services.checkin(actor=city.student, token=swapped, now=at(duty, 0), **VENUE)
    assert not Attendance.objects.exists()


def test_checkin_writes_one_attendance_and_its_audit_event(city, duty) -> None:
    from qingshe.core.models import AuditEvent

    services.shift_sign_up(actor=city.student, shift=duty.shift)
    attendance = services.checkin(
        actor=city.student, token=_token(duty, 2), now=at(duty, 2), **VENUE
    )
    services.checkin(actor=city.student, token=_token(duty, 3), now=at(duty, 3), **VENUE)
    stored = Attendance.objects.get()
    assert (stored.pk, stored.checkin_at, stored.checkin_method) == (
        attendance.pk,
        at(duty, 2),
        "qr",
    )
    assert (stored.checkin_lat, stored.recorded_by) == (Decimal("26.265500"), city.student)
    event = AuditEvent.objects.get(action="attendance.checkin")
    assert (event.actor, event.org, event.object_id, event.data) == (
        city.student,
        city.community,
        str(attendance.pk),
        {"method": "qr"},
    )


def test_checkin_sees_a_shift_changed_elsewhere(city, duty) -> None:
    """The shift a process cached for check-ins is checked against the database at each write:
    a secret rotated, times moved or the venue's radius changed by another process (here by
    updates that bypass this process) are never missed."""
    from qingshe.duty.models import Activity, Shift

    for person in (city.student, city.student2):
        services.shift_sign_up(actor=person, shift=duty.shift)
    services.checkin(
        actor=city.student, token=_token(duty, 0), now=at(duty, 0), **VENUE
    )  # cached now
    old_code = _token(duty, 1)
    Shift.objects.filter(pk=duty.shift.pk).update(qr_secret="rotated-elsewhere")
    with pytest.raises(ValidationFailed) as err:
        services.checkin(actor=city.student2, token=old_code, now=at(duty, 1), **VENUE)
    assert err.value.code == "invalid_token"
    duty.shift.refresh_from_db()
    Shift.objects.filter(pk=duty.shift.pk).update(starts_at=at(duty, 120), ends_at=at(duty, 240))
    with pytest.raises(ValidationFailed) as err:
        services.checkin(actor=city.student2, token=_token(duty, 2), now=at(duty, 2), **VENUE)
    assert err.value.code == "too_early"
    Activity.objects.filter(pk=duty.activity.pk).update(lat=Decimal("26.300000"))
    with pytest.raises(ValidationFailed) as err:
        services.checkin(actor=city.student2, token=_token(duty, 100), now=at(duty, 100), **VENUE)
    assert err.value.code == "too_far"
    assert Attendance.objects.filter(user=city.student2).count() == 0
    # The person who checked in before the changes still gets their attendance back.
    again = services.checkin(
        actor=city.student, token=_token(duty, 100), now=at(duty, 100), **VENUE
    )
    assert again.checkin_at == at(duty, 0)


def test_checkin_far_from_the_venue_is_refused(city, duty) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    with pytest.raises(ValidationFailed) as err:
        services.checkin(
            actor=city.student, token=_token(duty, 0), now=at(duty, 0), lat=26.30, lng=117.70
        )
    assert err.value.code == "too_far"
    with pytest.raises(ValidationFailed) as err:
        services.checkin(actor=city.student, token=_token(duty, 0), now=at(duty, 0))
    assert err.value.code == "location_required"
    assert not Attendance.objects.exists()


def test_roll_call_and_checkout_before_checkin(city, duty) -> None:
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    with pytest.raises(ValidationFailed) as err:
        services.roll_call(
            actor=city.secretary,
            shift=duty.shift,
            user=city.student2,
            checkin_at=at(duty, 30),
            checkout_at=at(duty, 10),
        )
    assert err.value.code == "checkout_before_checkin"
    assert not Attendance.objects.exists()
    with pytest.raises(AccessDenied):
        services.roll_call(
            actor=city.student, shift=duty.shift, user=city.student2, checkin_at=at(duty, 0)
        )
    attendance = services.roll_call(
        actor=city.secretary,
        shift=duty.shift,
        user=city.student2,
        checkin_at=at(duty, 0),
        checkout_at=at(duty, 120),
    )
    assert attendance.checkin_method == "roll_call" and attendance.state == Attendance.State.PENDING


def test_forgotten_checkout_is_closed_at_the_end_and_flagged(city, duty) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.checkin(actor=city.student, token=_token(duty, 0), now=at(duty, 0), **VENUE)
    assert services.auto_checkout_due(now=at(duty, 130)) == 0  # within the grace period
    assert services.auto_checkout_due(now=at(duty, 300)) == 1
    attendance = Attendance.objects.get()
    assert attendance.auto_checkout and attendance.checkout_at == duty.shift.ends_at


def test_remote_work_log(city, duty) -> None:
    remote = services.activity_create(
        actor=city.staff,
        organiser=city.community,
        title="线上政策宣传",
        remote_allowed=True,
        mode="concentrated",
    )
    shift = services.shift_add(
        actor=city.staff, activity=remote, starts_at=at(duty, 0), ends_at=at(duty, 240), capacity=10
    )
    services.shift_sign_up(actor=city.student, shift=shift)
    with pytest.raises(ValidationFailed):
        services.remote_log_submit(
            actor=city.student, shift=shift, start=at(duty, 0), end=at(duty, 60), log="做了"
        )
    attendance = services.remote_log_submit(
        actor=city.student,
        shift=shift,
        start=at(duty, 0),
        end=at(duty, 90),
        log="制作并发布了3篇政策解读推文",
    )
    assert (
        attendance.state == Attendance.State.PENDING and attendance.checkin_method == "remote_log"
    )
    with pytest.raises(Conflict):
        services.remote_log_submit(
            actor=city.student2,
            shift=duty.shift,
            start=at(duty, 0),
            end=at(duty, 60),
            log="制作并发布了3篇政策解读推文",
        )


# --- confirmation -------------------------------------------------------------------------------
def _later(duty, days=1):  # type: ignore[no-untyped-def]
    return mock.patch(
        "django.utils.timezone.localdate", return_value=duty.day + timedelta(days=days)
    )


def test_confirmation_credits_rounded_hours(city, duty) -> None:
    attendance = _checked_in_and_out(city, duty, minutes_in=3, minutes_out=110)  # 1 h 47 min
    with _later(duty):
        attendance = services.attendance_confirm(actor=city.staff, attendance=attendance)
    assert attendance.state == Attendance.State.CONFIRMED and attendance.credited_hours == Decimal(
        "2.0"
    )


def test_adjusting_times_needs_a_reason(city, duty) -> None:
    attendance = _checked_in_and_out(city, duty)
    with _later(duty), pytest.raises(ValidationFailed):
        services.attendance_confirm(actor=city.staff, attendance=attendance, start=at(duty, 30))
    with _later(duty):
        attendance = services.attendance_confirm(
            actor=city.staff, attendance=attendance, start=at(duty, 30), reason="迟到半小时"
        )
    assert attendance.credited_hours == Decimal("1.5") and attendance.adjust_reason == "迟到半小时"


def test_staff_of_another_community_cannot_confirm(city, duty) -> None:
    attendance = _checked_in_and_out(city, duty)
    for outsider in (city.other_staff, city.student, city.secretary):
        with _later(duty), pytest.raises((NotFound, AccessDenied)):
            services.attendance_confirm(actor=outsider, attendance=attendance)
    attendance.refresh_from_db()
    assert attendance.state == Attendance.State.PENDING and attendance.credited_hours == 0


def test_confirmation_after_ten_working_days_goes_to_the_committee(city, duty) -> None:
    attendance = _checked_in_and_out(city, duty)
    with _later(duty, days=20), pytest.raises(Conflict) as err:
        services.attendance_confirm(actor=city.staff, attendance=attendance)
    assert err.value.code == "confirmation_overdue"
    with _later(duty, days=20):
        services.attendance_confirm(actor=city.league_admin, attendance=attendance)


def test_no_two_credited_periods_overlap(city, duty) -> None:
    first = _checked_in_and_out(city, duty)
    with _later(duty):
        services.attendance_confirm(actor=city.staff, attendance=first)
    other = services.activity_create(actor=city.staff, organiser=city.community, title="社区普法")
    shift = services.shift_add(
        actor=city.staff,
        activity=other,
        starts_at=at(duty, 150),
        ends_at=at(duty, 240),
        capacity=5,
        leader=city.secretary,
    )
    services.shift_sign_up(actor=city.student, shift=shift)
    second = services.roll_call(
        actor=city.secretary,
        shift=shift,
        user=city.student,
        checkin_at=at(duty, 150),
        checkout_at=at(duty, 240),
    )
    with _later(duty), pytest.raises(Conflict) as err:
        services.attendance_confirm(
            actor=city.staff, attendance=second, start=at(duty, 100), reason="提前到岗"
        )
    assert err.value.code == "overlapping_credit"
    second.refresh_from_db()
    assert second.state == Attendance.State.PENDING


def test_bulk_confirmation_is_all_or_nothing(city, duty) -> None:
    a = _checked_in_and_out(city, duty)
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    services.checkin(
        actor=city.student2, token=_token(duty, 0), now=at(duty, 0), **VENUE
    )  # not checked out
    b = Attendance.objects.get(user=city.student2)
    with _later(duty), pytest.raises(Conflict) as err:
        services.attendance_confirm_many(actor=city.staff, attendances=[a, b])
    assert "学生乙" in str(err.value.message)
    assert Attendance.objects.filter(state=Attendance.State.CONFIRMED).count() == 0


# --- corrections --------------------------------------------------------------------------------
def test_correction_request_and_decision_leave_a_trail(city, duty) -> None:
    attendance = _checked_in_and_out(city, duty)
    with _later(duty):
        attendance = services.attendance_confirm(actor=city.staff, attendance=attendance)
    correction = services.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=at(duty, -30),
        new_end=at(duty, 120),
        reason="提前半小时到岗布置场地",
    )
    with pytest.raises(Conflict):
        services.correction_request(
            actor=city.student,
            attendance=attendance,
            new_start=at(duty, 0),
            new_end=at(duty, 150),
            reason="又一次",
        )
    with pytest.raises(NotFound):
        services.correction_decide(actor=city.other_staff, correction=correction, approve=True)
    correction = services.correction_decide(actor=city.staff, correction=correction, approve=True)
    attendance.refresh_from_db()
    assert attendance.credited_hours == Decimal("2.5")
    assert (
        correction.previous_hours == Decimal("2.0")
        and correction.state == Correction.State.APPROVED
    )
    with pytest.raises(Conflict):
        services.correction_decide(actor=city.staff, correction=correction, approve=False, note="x")


def test_refusing_a_correction_needs_a_note(city, duty) -> None:
    attendance = _checked_in_and_out(city, duty)
    with _later(duty):
        attendance = services.attendance_confirm(actor=city.staff, attendance=attendance)
    correction = services.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=at(duty, 0),
        new_end=at(duty, 180),
        reason="延长服务",
    )
    with pytest.raises(ValidationFailed):
        services.correction_decide(actor=city.staff, correction=correction, approve=False)
    services.correction_decide(
        actor=city.staff, correction=correction, approve=False, note="签退记录为11点"
    )
    attendance.refresh_from_db()
    assert attendance.credited_hours == Decimal("2.0")

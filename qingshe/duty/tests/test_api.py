"""The duty API: activities, shifts, sign-up, QR, check-in/out, roll call, remote logs, the
confirmer's list, confirmation, corrections, my shifts (happy paths, outsiders, bad input with
nothing written, pagination, languages, query counts)."""

import time
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.duty import qr, services
from qingshe.duty.models import Activity, Attendance, Correction, Shift, SignUp
from qingshe.duty.tests.conftest import at
from qingshe.programmes.models import Pairing
from qingshe.programmes.tests.conftest import programme  # noqa: F401  (fixture)

VENUE = {"lat": 26.2655, "lng": 117.6390}  # ~15 m from the venue
FAR = {"lat": 26.3000, "lng": 117.6389}  # ~4 km away


@pytest.fixture
def paired(city: SimpleNamespace, programme: Any) -> Pairing:  # noqa: F811
    """The department (so both students' branches) is paired with city.community."""
    return Pairing.objects.create(
        programme=programme,
        unit=city.department,
        community=city.community,
        state=Pairing.State.ACTIVE,
        term_start=date(2026, 1, 1),
        term_end=date(2027, 12, 31),
    )


@pytest.fixture
def soon(city: SimpleNamespace, duty: SimpleNamespace, paired: Pairing) -> Shift:
    """A shift of duty.activity starting in 20 minutes (check-in already open), the students signed up."""
    start = timezone.now() + timedelta(minutes=20)
    shift = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
        leader=city.secretary,
    )
    for user in (city.student, city.student2):
        services.shift_sign_up(actor=user, shift=shift)
    return shift


def _token(shift: Shift, *, ago: float = 0) -> str:
    return qr.make_token(shift_id=shift.pk, shift_secret=shift.qr_secret, now=time.time() - ago)


def _pending(
    city: SimpleNamespace,
    d: SimpleNamespace,
    user: Any,
    shift: Shift | None = None,
    minutes_in: int = 0,
    minutes_out: int = 120,
) -> Attendance:
    """Sign `user` up, check in and out of `shift` (default: the fixture's) through the services."""
    shift = shift or d.shift
    base = shift.starts_at

    def token(minutes: int) -> str:
        moment = base + timedelta(minutes=minutes)
        return qr.make_token(
            shift_id=shift.pk, shift_secret=shift.qr_secret, now=moment.timestamp()
        )

    services.shift_sign_up(actor=user, shift=shift)
    services.checkin(
        actor=user, token=token(minutes_in), now=base + timedelta(minutes=minutes_in), **VENUE
    )
    return services.checkout(
        actor=user, token=token(minutes_out), now=base + timedelta(minutes=minutes_out)
    )


def _second_shift(city: SimpleNamespace, d: SimpleNamespace) -> Shift:
    """11:00–13:00 the same day, right after the fixture's 09:00–11:00."""
    return services.shift_add(
        actor=city.staff,
        activity=d.activity,
        starts_at=at(d, 120),
        ends_at=at(d, 240),
        capacity=2,
    )


# --- activities ---------------------------------------------------------------------------------
def test_activity_list_visible_to_organiser_and_paired_students(city, duty, paired) -> None:
    for user in (city.staff, city.student, city.student2):
        body = api_client(user).api_get("/activities").json()
        assert body["count"] == 1 and body["items"][0]["id"] == duty.activity.pk
        assert body["items"][0]["organiser"]["name"] == city.community.name
    for outsider in (city.other_staff, city.other_resident):
        assert api_client(outsider).api_get("/activities").json() == {"items": [], "count": 0}


def test_activity_list_paginates_and_filters_with_bounded_queries(
    city, duty, paired, django_assert_max_num_queries
) -> None:
    for n in range(4):
        services.activity_create(
            actor=city.staff, organiser=city.community, title=f"巡河{n}", mode="stage"
        )
    client = api_client(city.student)
    with django_assert_max_num_queries(8):
        body = client.api_get("/activities", {"page": 2, "page_size": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2
    assert client.api_get("/activities", {"mode": "stage"}).json()["count"] == 4
    assert client.api_get("/activities", {"q": "敬老"}).json()["count"] == 1
    assert_error(client.api_get("/activities", {"mode": "weekly"}), 422, "invalid_input")
    assert_error(client.api_get("/activities", {"page_size": 500}), 422, "invalid_input")


def test_activity_create_and_detail(city, duty) -> None:
    payload = {
        "organiser": city.community.pk,
        "title": "暑期返家乡",
        "mode": "concentrated",
        "remote_allowed": True,
        "required_courses": [duty.course.pk],
        "lat": 26.2654,
        "lng": 117.6389,
        "checkin_radius_m": 200,
    }
    response = api_client(city.staff).api_post("/activities", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "concentrated" and body["remote_allowed"] is True
    assert body["required_courses"] == [{"id": duty.course.pk, "name": "社区急救"}]
    detail = api_client(city.staff).api_get(f"/activities/{body['id']}").json()
    assert detail["title"] == "暑期返家乡"
    assert_error(
        api_client(city.other_staff).api_get(f"/activities/{body['id']}"), 404, "not_found"
    )


def test_activity_create_refused(city) -> None:
    before = Activity.objects.count()
    payload = {"organiser": city.community.pk, "title": "x"}
    assert_error(api_client(city.resident).api_post("/activities", payload), 403, "forbidden")
    body = assert_error(
        api_client(city.other_staff).api_post("/activities", payload), 404, "not_found"
    )
    assert body["field"] == "organiser"
    assert_error(
        api_client(city.staff).api_post("/activities", {**payload, "title": " "}),
        422,
        "title_required",
    )
    assert Activity.objects.count() == before


# --- shifts -------------------------------------------------------------------------------------
def test_shift_list_counts_places_and_waitlist(
    city, duty, paired, django_assert_max_num_queries
) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    services.shift_sign_up(actor=city.secretary, shift=duty.shift)
    client = api_client(city.student)
    with django_assert_max_num_queries(8):
        body = client.api_get(f"/activities/{duty.activity.pk}/shifts").json()
    assert body["count"] == 1
    shift = body["items"][0]
    assert (shift["capacity"], shift["signed_up"], shift["places_left"], shift["waitlist"]) == (
        2,
        2,
        0,
        1,
    )
    assert shift["mine"] is True and shift["leader"]["name"] == city.secretary.name
    assert_error(
        api_client(city.other_staff).api_get(f"/activities/{duty.activity.pk}/shifts"),
        404,
        "not_found",
    )


def test_shift_add(city, duty) -> None:
    payload = {
        "starts_at": at(duty, 24 * 60).isoformat(),
        "ends_at": at(duty, 24 * 60 + 180).isoformat(),
        "capacity": 10,
        "leader": city.staff.pk,
    }
    response = api_client(city.staff).api_post(f"/activities/{duty.activity.pk}/shifts", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["places_left"] == 10
        and body["waitlist"] == 0
        and body["leader"]["id"] == city.staff.pk
    )


def test_shift_add_naive_time_is_local(city, duty) -> None:
    response = api_client(city.staff).api_post(
        f"/activities/{duty.activity.pk}/shifts",
        {"starts_at": "2030-05-01T09:00:00", "ends_at": "2030-05-01T11:00:00", "capacity": 3},
    )
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"].startswith(
        "2030-05-01T01:00:00"
    )  # 09:00 in Shanghai, in UTC


@pytest.mark.parametrize(
    ("hours", "code"), [(-1, "invalid_period"), (0, "invalid_period"), (25, "shift_too_long")]
)
def test_shift_add_bad_period_writes_nothing(city, duty, hours, code) -> None:
    payload = {
        "starts_at": at(duty, 0).isoformat(),
        "ends_at": at(duty, hours * 60).isoformat(),
        "capacity": 3,
    }
    body = assert_error(
        api_client(city.staff).api_post(f"/activities/{duty.activity.pk}/shifts", payload),
        422,
        code,
    )
    assert body["field"] == "ends_at"
    assert duty.activity.shifts.count() == 1


def test_shift_add_refused_to_students_and_outsiders(city, duty, paired) -> None:
    payload = {
        "starts_at": at(duty, 0).isoformat(),
        "ends_at": at(duty, 60).isoformat(),
        "capacity": 3,
    }
    assert_error(
        api_client(city.student).api_post(f"/activities/{duty.activity.pk}/shifts", payload),
        403,
        "forbidden",
    )
    assert_error(
        api_client(city.other_staff).api_post(f"/activities/{duty.activity.pk}/shifts", payload),
        404,
        "not_found",
    )
    body = assert_error(
        api_client(city.staff).api_post(
            f"/activities/{duty.activity.pk}/shifts", {**payload, "leader": city.other_staff.pk}
        ),
        404,
        "not_found",
    )
    assert body["field"] == "leader"
    assert duty.activity.shifts.count() == 1


# --- sign-up and cancel -------------------------------------------------------------------------
def test_signup_then_waitlist_then_promotion(city, duty, paired) -> None:
    first = api_client(city.student).api_post(f"/shifts/{duty.shift.pk}/signup")
    assert first.status_code == 201 and first.json()["state"] == "confirmed"
    api_client(city.student2).api_post(f"/shifts/{duty.shift.pk}/signup")
    third = api_client(city.secretary).api_post(f"/shifts/{duty.shift.pk}/signup")
    assert third.json()["state"] == "waitlisted"
    assert_error(
        api_client(city.student).api_post(f"/shifts/{duty.shift.pk}/signup"),
        409,
        "already_signed_up",
    )
    cancelled = api_client(city.student).api_post(f"/shifts/{duty.shift.pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert SignUp.objects.get(user=city.secretary, shift=duty.shift).state == SignUp.State.CONFIRMED


def test_signup_refused_to_outsiders_and_uninsured(city, duty, paired) -> None:
    assert_error(
        api_client(city.other_staff).api_post(f"/shifts/{duty.shift.pk}/signup"), 404, "not_found"
    )
    duty.policy.covered.remove(city.student)
    body = assert_error(
        api_client(city.student).api_post(f"/shifts/{duty.shift.pk}/signup"),
        422,
        "insurance_missing",
    )
    assert duty.day.isoformat() in body["detail"]
    assert not SignUp.objects.exists()


def test_student_cannot_cancel_anothers_signup(city, duty, paired) -> None:
    signup = services.shift_sign_up(actor=city.student, shift=duty.shift)
    response = api_client(city.student2).api_post(
        f"/shifts/{duty.shift.pk}/cancel", {"signup": signup.pk}
    )
    assert_error(response, 403, "forbidden")
    signup.refresh_from_db()
    assert signup.state == SignUp.State.CONFIRMED
    # The organiser may.
    done = api_client(city.staff).api_post(f"/shifts/{duty.shift.pk}/cancel", {"signup": signup.pk})
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    assert_error(
        api_client(city.student2).api_post(f"/shifts/{duty.shift.pk}/cancel"), 404, "not_found"
    )


# --- QR, check-in, check-out --------------------------------------------------------------------
def test_qr_for_leader_and_organiser_only(city, duty, paired) -> None:
    for user in (city.secretary, city.staff):
        response = api_client(user).api_get(f"/shifts/{duty.shift.pk}/qr")
        assert response.status_code == 200, response.content
        body = response.json()
        qr.verify_token(body["token"], shift_id=duty.shift.pk, shift_secret=duty.shift.qr_secret)
        assert body["svg"].startswith("<svg") and "</svg>" in body["svg"]
        assert body["url"].startswith("http://testserver/") and "t=" in body["url"]
        assert 30 <= body["expires_in"] <= 60 and 1 <= body["refresh_in"] <= 30
    for user in (city.student, city.other_staff):
        assert_error(api_client(user).api_get(f"/shifts/{duty.shift.pk}/qr"), 404, "not_found")


def test_checkin_is_idempotent_and_checkout(city, soon) -> None:
    client = api_client(city.student)
    first = client.api_post("/checkin", {"token": _token(soon), **VENUE})
    assert first.status_code == 200, first.content
    again = client.api_post("/checkin", {"token": _token(soon), **VENUE})
    assert again.json()["id"] == first.json()["id"] and first.json()["state"] == "open"
    assert Attendance.objects.filter(shift=soon).count() == 1
    out = client.api_post("/checkout", {"token": _token(soon)})
    assert out.status_code == 200 and out.json()["state"] == "pending"
    assert out.json()["confirm_by"] >= timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        (lambda s: _token(s, ago=120), 422, "expired_token"),
        (lambda s: _token(s)[:-3] + "abc", 422, "invalid_token"),
        (lambda s: "garbage", 422, "invalid_token"),
        (lambda s: f"{s.pk}.123:forged", 422, "invalid_token"),
    ],
)
def test_checkin_bad_token_writes_nothing(city, soon, token, status, code) -> None:
    assert_error(
        api_client(city.student).api_post("/checkin", {"token": token(soon), **VENUE}), status, code
    )
    assert not Attendance.objects.exists()


def test_checkin_with_a_token_of_a_shift_not_signed_up_for(city, duty, soon) -> None:
    other = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=soon.starts_at,
        ends_at=soon.ends_at,
        capacity=2,
    )
    # A real, current code of a shift the student has no place on.
    assert_error(
        api_client(city.student).api_post("/checkin", {"token": _token(other), **VENUE}),
        409,
        "not_signed_up",
    )
    assert not Attendance.objects.exists()


def test_checkin_far_from_the_venue(city, soon) -> None:
    body = assert_error(
        api_client(city.student).api_post("/checkin", {"token": _token(soon), **FAR}),
        422,
        "too_far",
    )
    assert "300" in body["detail"]
    assert_error(
        api_client(city.student).api_post("/checkin", {"token": _token(soon)}),
        422,
        "location_required",
    )
    assert not Attendance.objects.exists()


def test_checkout_without_checkin(city, soon) -> None:
    assert_error(
        api_client(city.student).api_post("/checkout", {"token": _token(soon)}),
        409,
        "not_checked_in",
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "二维码已过期"), ("en", "This code has expired")],
)
def test_errors_in_the_requests_language(city, soon, language, expected) -> None:
    response = api_client(city.student, language=language).api_post(
        "/checkin", {"token": _token(soon, ago=120), **VENUE}
    )
    body = assert_error(response, 422, "expired_token")
    assert expected in body["detail"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "结束时间"), ("en", "A shift must end after it starts.")],
)
def test_shift_errors_in_the_requests_language(city, duty, language, expected) -> None:
    payload = {
        "starts_at": at(duty, 0).isoformat(),
        "ends_at": at(duty, -60).isoformat(),
        "capacity": 3,
    }
    client = api_client(city.staff, language=language)
    body = assert_error(
        client.api_post(f"/activities/{duty.activity.pk}/shifts", payload), 422, "invalid_period"
    )
    assert expected in body["detail"]


# --- roll call and remote work ------------------------------------------------------------------
def test_roll_call(city, duty, paired) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    url = f"/shifts/{duty.shift.pk}/rollcall"
    bad = {
        "user": city.student.pk,
        "checkin_at": at(duty, 60).isoformat(),
        "checkout_at": at(duty, 30).isoformat(),
    }
    body = assert_error(
        api_client(city.secretary).api_post(url, bad), 422, "checkout_before_checkin"
    )
    assert body["field"] == "checkout_at"
    assert not Attendance.objects.exists()
    good = {
        "user": city.student.pk,
        "checkin_at": at(duty, 0).isoformat(),
        "checkout_at": at(duty, 120).isoformat(),
    }
    assert_error(api_client(city.student).api_post(url, good), 404, "not_found")
    assert_error(
        api_client(city.secretary).api_post(url, {**good, "user": city.student2.pk}),
        409,
        "not_signed_up",
    )
    response = api_client(city.secretary).api_post(url, good)
    assert response.status_code == 200, response.content
    assert (
        response.json()["checkin_method"] == "roll_call" and response.json()["state"] == "pending"
    )


def test_remote_log(city, paired) -> None:
    activity = services.activity_create(
        actor=city.staff,
        organiser=city.community,
        title="线上作业辅导",
        mode="concentrated",
        remote_allowed=True,
        requires_insurance=False,
    )
    start = timezone.now() + timedelta(hours=1)
    shift = services.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=3,
    )
    services.shift_sign_up(actor=city.student, shift=shift)
    payload = {
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=90)).isoformat(),
        "log": "辅导三名小学生完成数学作业",
    }
    response = api_client(city.student).api_post(f"/shifts/{shift.pk}/remote-log", payload)
    assert response.status_code == 201, response.content
    assert response.json()["checkin_method"] == "remote_log" and response.json()[
        "remote_log"
    ].startswith("辅导")
    assert_error(
        api_client(city.student).api_post(f"/shifts/{shift.pk}/remote-log", payload),
        409,
        "already_recorded",
    )
    short = {**payload, "log": "做了"}
    assert_error(
        api_client(city.student2).api_post(f"/shifts/{shift.pk}/remote-log", short),
        409,
        "not_signed_up",
    )


# --- the confirmer's list and confirmation ------------------------------------------------------
def test_attendance_list_for_confirmers_only(city, duty, django_assert_max_num_queries) -> None:
    a = _pending(city, duty, city.student)
    _pending(city, duty, city.student2)
    client = api_client(city.staff)
    with django_assert_max_num_queries(6):
        body = client.api_get("/attendance", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    item = client.api_get("/attendance").json()["items"][0]
    assert (
        item["state"] == "pending"
        and item["overdue"] is False
        and item["activity"]["title"] == "敬老院陪伴"
    )
    assert client.api_get("/attendance", {"shift": duty.shift.pk + 99}).json()["count"] == 0
    assert client.api_get("/attendance", {"state": "confirmed"}).json()["count"] == 0
    for outsider in (city.other_staff, city.student, city.secretary):
        assert api_client(outsider).api_get("/attendance").json() == {"items": [], "count": 0}
    assert a.pk in {i["id"] for i in client.api_get("/attendance").json()["items"]}


def test_confirm_one(city, duty) -> None:
    attendance = _pending(city, duty, city.student)
    assert_error(
        api_client(city.other_staff).api_post(f"/attendance/{attendance.pk}/confirm"),
        404,
        "not_found",
    )
    assert_error(
        api_client(city.student).api_post(f"/attendance/{attendance.pk}/confirm"), 404, "not_found"
    )
    adjusted = {"start": at(duty, 20).isoformat()}
    assert_error(
        api_client(city.staff).api_post(f"/attendance/{attendance.pk}/confirm", adjusted),
        422,
        "reason_required",
    )
    response = api_client(city.staff).api_post(
        f"/attendance/{attendance.pk}/confirm", {**adjusted, "reason": "迟到一刻钟"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "confirmed" and Decimal(str(body["credited_hours"])) == Decimal("1.5")
    assert_error(
        api_client(city.staff).api_post(f"/attendance/{attendance.pk}/confirm"),
        409,
        "already_confirmed",
    )


def test_confirm_overlapping_credit_writes_nothing(city, duty) -> None:
    first = _pending(city, duty, city.student)
    second = _pending(city, duty, city.student, shift=_second_shift(city, duty))
    services.attendance_confirm(actor=city.staff, attendance=first)
    payload = {"start": at(duty, 90).isoformat(), "reason": "提前到岗"}
    assert_error(
        api_client(city.staff).api_post(f"/attendance/{second.pk}/confirm", payload),
        409,
        "overlapping_credit",
    )
    second.refresh_from_db()
    assert second.state == Attendance.State.PENDING and second.confirmed_start is None


def test_bulk_confirm_all_or_nothing(city, duty) -> None:
    a = _pending(city, duty, city.student)
    b = _pending(city, duty, city.student2)
    services.attendance_confirm(actor=city.staff, attendance=b)
    body = assert_error(
        api_client(city.staff).api_post("/attendance/confirm", {"ids": [a.pk, b.pk]}),
        409,
        "already_confirmed",
    )
    assert city.student2.name in body["detail"]
    a.refresh_from_db()
    assert a.state == Attendance.State.PENDING
    body = assert_error(
        api_client(city.other_staff).api_post("/attendance/confirm", {"ids": [a.pk]}),
        404,
        "not_found",
    )
    assert body["field"] == "ids"
    assert_error(
        api_client(city.staff).api_post("/attendance/confirm", {"ids": []}), 422, "invalid_input"
    )
    response = api_client(city.staff).api_post("/attendance/confirm", {"ids": [a.pk]})
    assert response.status_code == 200 and [x["state"] for x in response.json()] == ["confirmed"]


def test_reject(city, duty) -> None:
    attendance = _pending(city, duty, city.student)
    assert_error(
        api_client(city.other_staff).api_post(
            f"/attendance/{attendance.pk}/reject", {"reason": "x"}
        ),
        404,
        "not_found",
    )
    response = api_client(city.staff).api_post(
        f"/attendance/{attendance.pk}/reject", {"reason": "未到岗"}
    )
    assert response.status_code == 200 and response.json()["state"] == "rejected"


def test_correction_request_and_decision(city, duty) -> None:
    attendance = services.attendance_confirm(
        actor=city.staff, attendance=_pending(city, duty, city.student)
    )
    payload = {
        "start": at(duty, 0).isoformat(),
        "end": at(duty, 150).isoformat(),
        "reason": "活动延长半小时",
    }
    assert_error(
        api_client(city.student2).api_post(f"/attendance/{attendance.pk}/correct", payload),
        404,
        "not_found",
    )
    response = api_client(city.student).api_post(f"/attendance/{attendance.pk}/correct", payload)
    assert response.status_code == 201, response.content
    correction = response.json()
    assert correction["state"] == "pending"
    url = f"/corrections/{correction['id']}/decide"
    assert_error(api_client(city.other_staff).api_post(url, {"approve": True}), 404, "not_found")
    assert_error(api_client(city.staff).api_post(url, {"approve": False}), 422, "reason_required")
    decided = api_client(city.staff).api_post(url, {"approve": True})
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert Decimal(str(decided.json()["previous_hours"])) == Decimal("2")
    attendance.refresh_from_db()
    assert str(attendance.credited_hours) == "2.5"


def test_correction_overlapping_credit_writes_nothing(city, duty) -> None:
    first = services.attendance_confirm(
        actor=city.staff, attendance=_pending(city, duty, city.student)
    )
    second = _pending(city, duty, city.student, shift=_second_shift(city, duty))
    services.attendance_confirm(actor=city.staff, attendance=second)
    payload = {"start": at(duty, 0).isoformat(), "end": at(duty, 180).isoformat(), "reason": "延长"}
    response = api_client(city.student).api_post(f"/attendance/{first.pk}/correct", payload)
    assert_error(response, 409, "overlapping_credit")
    assert not Correction.objects.exists()


# --- my shifts ----------------------------------------------------------------------------------
def test_my_shifts(city, duty, paired, django_assert_max_num_queries) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    services.shift_sign_up(actor=city.secretary, shift=duty.shift)
    client = api_client(city.secretary)
    with django_assert_max_num_queries(6):
        body = client.api_get("/me/shifts").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["state"] == "waitlisted" and item["waitlist_position"] == 1
    assert item["activity"]["title"] == "敬老院陪伴" and item["attendance_state"] is None
    assert body["ics_url"].startswith("http://testserver/api/v1/me/shifts.ics?token=")
    mine = api_client(city.student).api_get("/me/shifts").json()
    assert (
        mine["items"][0]["state"] == "confirmed" and mine["items"][0]["waitlist_position"] is None
    )
    assert mine["ics_url"] != body["ics_url"]
    assert api_client(city.staff).api_get("/me/shifts").json()["count"] == 0


def test_anonymous_is_refused(db) -> None:
    assert_error(api_client().api_get("/me/shifts"), 401, "not_authenticated")
    assert_error(api_client().api_post("/checkin", {"token": "x"}), 401, "not_authenticated")

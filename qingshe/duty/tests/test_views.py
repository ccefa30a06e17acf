"""The duty pages: who sees which page, who may press which button (nothing changed otherwise),
bad input answered in Chinese with nothing written, htmx partials and bounded queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.duty import qr, services
from qingshe.duty.models import (
    Activity,
    Attendance,
    Correction,
    InsurancePolicy,
    Shift,
    SignUp,
    TrainingRecord,
)
from qingshe.duty.tests.conftest import at
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory
from qingshe.programmes import services as programme_services

HX = {"HX-Request": "true"}
VENUE = {"lat": 26.2655, "lng": 117.6390}


@pytest.fixture
def paired(city: Any) -> Any:
    """The student's branch paired (approved) with the activity's community."""
    programme = programme_services.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="大学生社区实践计划",
        year=2026,
        scope=[city.university, city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    pairing = programme_services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=city.branch,
        community=city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )
    return programme_services.pairing_approve(actor=city.league_admin, pairing=pairing)


def _login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def _token(shift: Shift, moment: Any = None) -> str:
    return qr.make_token(
        shift_id=shift.pk, shift_secret=shift.qr_secret, now=(moment or timezone.now()).timestamp()
    )


def _live_shift(city: Any, duty: Any) -> Shift:
    """A shift that started five minutes ago, with city.student signed up beforehand."""
    start = timezone.now() - timedelta(minutes=5)
    shift = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
        leader=city.secretary,
    )
    services.shift_sign_up(actor=city.student, shift=shift, now=start - timedelta(hours=1))
    return shift


def _pending(city: Any, duty: Any, user: Any = None) -> Attendance:
    user = user or city.student
    services.shift_sign_up(actor=user, shift=duty.shift)
    services.checkin(actor=user, token=_token(duty.shift, at(duty, 0)), now=at(duty, 0), **VENUE)
    return services.checkout(actor=user, token=_token(duty.shift, at(duty, 120)), now=at(duty, 120))


# --- who sees what ------------------------------------------------------------------------------
def test_student_sees_activities_of_paired_community(
    client: Any, city: Any, duty: Any, paired: Any
) -> None:
    _login(client, city.student)
    page = client.get(reverse("duty:list"))
    assert page.status_code == 200
    assert "敬老院陪伴" in page.content.decode()
    detail = client.get(reverse("duty:activity", args=[duty.activity.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "报名" in body and "白沙社区服务站" in body


def test_unpaired_student_and_outsiders_get_404(client: Any, city: Any, duty: Any) -> None:
    for outsider in (city.student, city.other_staff, city.other_resident):
        _login(client, outsider)
        assert client.get(reverse("duty:activity", args=[duty.activity.pk])).status_code == 404
        assert client.get(reverse("duty:shift", args=[duty.shift.pk])).status_code == 404
        assert "敬老院陪伴" not in client.get(reverse("duty:list")).content.decode()


def test_mode_filter_and_partial(client: Any, city: Any, duty: Any, paired: Any) -> None:
    _login(client, city.student)
    assert "敬老院陪伴" not in client.get(reverse("duty:list"), {"mode": "stage"}).content.decode()
    partial = client.get(reverse("duty:list"), {"mode": "regular"}, headers=HX)
    body = partial.content.decode()
    assert "敬老院陪伴" in body and "<html" not in body


def test_sign_up_and_cancel_through_the_page(
    client: Any, city: Any, duty: Any, paired: Any
) -> None:
    _login(client, city.student)
    answer = client.post(reverse("duty:signup", args=[duty.shift.pk]), headers=HX)
    assert answer.status_code == 200 and "<html" not in answer.content.decode()
    assert "您已报名" in answer.content.decode()
    assert SignUp.objects.get(user=city.student).state == SignUp.State.CONFIRMED
    again = client.post(reverse("duty:signup", args=[duty.shift.pk]))
    assert again.status_code == 409 and "您已报名该班次" in again.content.decode()
    client.post(reverse("duty:cancel", args=[duty.shift.pk]))
    assert SignUp.objects.get(user=city.student).state == SignUp.State.CANCELLED


def test_a_full_shift_says_how_many_it_took(client: Any, city: Any, duty: Any, paired: Any) -> None:
    shift = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=at(duty, 180),
        ends_at=at(duty, 300),
        capacity=1,
        leader=city.secretary,
    )
    _login(client, city.student)
    assert (
        "已报 0 / 1"
        in client.get(reverse("duty:activity", args=[duty.activity.pk])).content.decode()
    )
    services.shift_sign_up(actor=city.student, shift=shift)
    body = client.get(reverse("duty:activity", args=[duty.activity.pk])).content.decode()
    assert "已满 1 / 1" in body


def test_sign_up_refused_without_insurance_in_chinese(
    client: Any, city: Any, duty: Any, paired: Any
) -> None:
    uninsured = UserFactory(name="未投保")
    MembershipFactory(user=uninsured, org=city.branch, role=Role.STUDENT)
    _login(client, uninsured)
    answer = client.post(reverse("duty:signup", args=[duty.shift.pk]))
    assert answer.status_code == 422
    assert "意外险" in answer.content.decode()
    assert not SignUp.objects.filter(user=uninsured).exists()


def test_my_shifts_agenda(client: Any, city: Any, duty: Any, paired: Any) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    _login(client, city.student)
    body = client.get(reverse("duty:mine")).content.decode()
    assert duty.day.strftime("%Y-%m-%d") in body and "敬老院陪伴" in body


def test_my_shifts_lists_several_days_in_a_fixed_number_of_queries(
    client: Any, city: Any, duty: Any, paired: Any, django_assert_max_num_queries: Any
) -> None:
    """Issue 11: the agenda reads its rows in one query, whatever their number (session, user,
    the rows, the person's roles for the menu and tabs)."""
    later = services.shift_add(
        actor=city.staff, activity=duty.activity, starts_at=duty.start + timedelta(hours=4),
        ends_at=duty.start + timedelta(hours=6), capacity=2,
    )  # fmt: skip
    next_day = services.shift_add(
        actor=city.staff, activity=duty.activity, starts_at=duty.start + timedelta(days=1),
        ends_at=duty.start + timedelta(days=1, hours=2), capacity=1,
    )  # fmt: skip
    services.shift_sign_up(actor=city.student2, shift=next_day)
    for shift in (duty.shift, later, next_day):
        services.shift_sign_up(actor=city.student, shift=shift)
    _login(client, city.student)
    with django_assert_max_num_queries(4):
        body = client.get(reverse("duty:mine")).content.decode()
    assert body.count('class="card agenda-day"') == 2
    for shift in (duty.shift, later, next_day):
        assert f'href="/duty/shifts/{shift.pk}/"' in body
    assert body.index(f"/duty/shifts/{duty.shift.pk}/") < body.index(f"/duty/shifts/{later.pk}/")
    assert "09:00–11:00" in body and "13:00–15:00" in body and "白沙社区 · 白沙社区服务站" in body
    assert body.count('<span class="state state--confirmed">已报名</span>') == 2
    assert body.count('<span class="state state--waitlisted">候补</span>') == 1


def test_my_shift_rows_are_my_shifts(city: Any, duty: Any, paired: Any) -> None:
    """The agenda's fixed statement reads what selectors.my_shifts reads (live sign-ups of shifts
    not over, soonest first), with the same aware times."""
    from qingshe.duty import selectors

    other = services.shift_add(
        actor=city.staff, activity=duty.activity, starts_at=duty.start - timedelta(days=1),
        ends_at=duty.start - timedelta(days=1) + timedelta(hours=2), capacity=2,
    )  # fmt: skip
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    cancelled = services.shift_sign_up(actor=city.student, shift=other)
    services.shift_cancel(actor=city.student, signup=cancelled)
    services.shift_sign_up(actor=city.student2, shift=other)
    for user, since in [
        (city.student, None),
        (city.student2, None),
        (city.student2, duty.start - timedelta(days=1, hours=-3)),  # the earlier shift is over
        (city.staff, None),
    ]:
        expected = [
            (s.shift_id, s.shift.starts_at, s.shift.ends_at, s.shift.activity.title,
             s.shift.activity.place, s.shift.activity.organiser.display_name, s.state)
            for s in selectors.my_shifts(user=user, since=since)
        ]  # fmt: skip
        rows = selectors.my_shift_rows(user=user, since=since)
        assert [tuple(r.values()) for r in rows] == expected
        assert all(timezone.is_aware(r["starts_at"]) for r in rows)
    assert len(selectors.my_shift_rows(user=city.student2)) == 1


# --- the leader's page --------------------------------------------------------------------------
def test_leader_page_shows_a_qr_code_of_the_checkin_url(
    client: Any, city: Any, duty: Any, paired: Any
) -> None:
    _login(client, city.secretary)
    page = client.get(reverse("duty:lead", args=[duty.shift.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and 'data-token="' in body and "/duty/checkin/?t=" in body
    assert 'hx-trigger="every 30s"' in body
    live = client.get(reverse("duty:live", args=[duty.shift.pk]), headers=HX)
    assert "<svg" in live.content.decode() and "<html" not in live.content.decode()
    _login(client, city.staff)
    assert client.get(reverse("duty:lead", args=[duty.shift.pk])).status_code == 200


def test_students_and_outsiders_cannot_open_the_leaders_page(
    client: Any, city: Any, duty: Any, paired: Any
) -> None:
    for user in (city.student, city.other_staff, city.student2):
        _login(client, user)
        assert client.get(reverse("duty:lead", args=[duty.shift.pk])).status_code == 404
        assert client.get(reverse("duty:live", args=[duty.shift.pk]), headers=HX).status_code == 404
        answer = client.post(
            reverse("duty:roll_call", args=[duty.shift.pk]),
            {"person": city.student.pk, "checkin_at": "2030-01-01T09:00"},
        )
        assert answer.status_code == 404
    assert not Attendance.objects.exists()


def test_roll_call(client: Any, city: Any, duty: Any) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    _login(client, city.secretary)
    local = timezone.localtime(duty.start)
    answer = client.post(
        reverse("duty:roll_call", args=[duty.shift.pk]),
        {
            "person": city.student.pk,
            "checkin_at": local.strftime("%Y-%m-%dT%H:%M"),
            "checkout_at": (local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert answer.status_code == 302
    attendance = Attendance.objects.get(user=city.student)
    assert attendance.checkin_method == "roll_call" and attendance.state == Attendance.State.PENDING
    bad = client.post(
        reverse("duty:roll_call", args=[duty.shift.pk]),
        {
            "person": city.student.pk,
            "checkin_at": local.strftime("%Y-%m-%dT%H:%M"),
            "checkout_at": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert bad.status_code in (200, 422)


# --- check-in -----------------------------------------------------------------------------------
def test_checkin_page_prefilled_then_in_and_out(
    client: Any, city: Any, duty: Any, paired: Any
) -> None:
    shift = _live_shift(city, duty)
    token = _token(shift)
    _login(client, city.student)
    page = client.get(reverse("duty:checkin"), {"t": token})
    body = page.content.decode()
    assert (
        page.status_code == 200 and token in body and "data-geo-required" in body and "签到" in body
    )
    no_location = client.post(reverse("duty:checkin"), {"t": token, "action": "checkin"})
    assert no_location.status_code == 422 and "位置" in no_location.content.decode()
    assert not Attendance.objects.exists()
    done = client.post(reverse("duty:checkin"), {"t": token, "action": "checkin", **VENUE})
    assert done.status_code == 200 and "已签到" in done.content.decode()
    out = client.post(
        reverse("duty:checkin"),
        {"t": f"http://testserver/duty/checkin/?t={token}", "action": "checkout"},
    )
    assert out.status_code == 200 and "已签退" in out.content.decode()
    assert Attendance.objects.get(user=city.student).state == Attendance.State.PENDING


@pytest.mark.parametrize("kind", ["forged", "expired", "far"])
def test_checkin_bad_input_in_chinese(
    client: Any, city: Any, duty: Any, paired: Any, kind: str
) -> None:
    shift = _live_shift(city, duty)
    data: dict[str, Any] = {"action": "checkin", **VENUE}
    if kind == "forged":
        data["t"] = f"{shift.pk}.123:forged"
        expected = "无效"
    elif kind == "expired":
        data["t"] = _token(shift, timezone.now() - timedelta(minutes=5))
        expected = "过期"
    else:
        data.update(t=_token(shift), lat=26.30, lng=117.70)
        expected = "米"
    _login(client, city.student)
    answer = client.post(reverse("duty:checkin"), data)
    assert answer.status_code == 422
    assert expected in answer.content.decode()
    assert not Attendance.objects.exists()


def test_empty_code_is_a_form_error(client: Any, city: Any) -> None:
    _login(client, city.student)
    answer = client.post(reverse("duty:checkin"), {"t": "", "action": "checkin"})
    assert answer.status_code == 422 and "请输入签到码" in answer.content.decode()


def test_remote_log(client: Any, city: Any, duty: Any, paired: Any) -> None:
    Activity.objects.filter(pk=duty.activity.pk).update(remote_allowed=True)
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    _login(client, city.student)
    page = client.get(reverse("duty:shift", args=[duty.shift.pk]))
    assert "远程工作日志" in page.content.decode()
    local = timezone.localtime(duty.start)
    data = {
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "log": "短",
    }
    bad = client.post(reverse("duty:remote_log", args=[duty.shift.pk]), data)
    assert bad.status_code == 422 and "至少10个字" in bad.content.decode()
    data["log"] = "为社区老人线上讲解防诈骗知识，共十二人参加。"
    assert client.post(reverse("duty:remote_log", args=[duty.shift.pk]), data).status_code == 302
    assert Attendance.objects.get(user=city.student).checkin_method == "remote_log"


# --- confirmation -------------------------------------------------------------------------------
def test_confirmation_inbox_and_confirm_one(client: Any, city: Any, duty: Any) -> None:
    attendance = _pending(city, duty)
    _login(client, city.staff)
    page = client.get(reverse("duty:confirm"))
    body = page.content.decode()
    assert page.status_code == 200 and city.student.name in body and "确认截止" in body
    answer = client.post(reverse("duty:attendance_confirm", args=[attendance.pk]), headers=HX)
    assert answer.status_code == 200 and "<html" not in answer.content.decode()
    attendance.refresh_from_db()
    assert attendance.state == Attendance.State.CONFIRMED and attendance.credited_hours == 2


def test_overdue_attendance_shows_no_confirm_button_to_the_staff(
    client: Any, city: Any, duty: Any
) -> None:
    """Past the 10-working-day deadline only the league committee may confirm: the community's
    staff see the row and where it went, without a button (or a bulk tick box) that would only
    fail; in time they have them; an outsider sees neither the row nor a button."""
    attendance = _pending(city, duty)
    confirm_url = reverse("duty:attendance_confirm", args=[attendance.pk])
    overdue = mock.patch(
        "django.utils.timezone.localdate", return_value=duty.day + timedelta(days=20)
    )
    with overdue:
        staff_page = _login(client, city.staff).get(reverse("duty:confirm")).content.decode()
    assert city.student.name in staff_page and "已转交团委" in staff_page
    assert confirm_url not in staff_page and f'id="pick-{attendance.pk}"' not in staff_page
    assert reverse("duty:confirm_bulk") not in staff_page
    with overdue:
        outsider_page = (
            _login(client, city.other_staff).get(reverse("duty:confirm")).content.decode()
        )
    assert city.student.name not in outsider_page and confirm_url not in outsider_page
    # In time, the staff have their buttons.
    in_time = _login(client, city.staff).get(reverse("duty:confirm")).content.decode()
    assert confirm_url in in_time and "已转交团委" not in in_time


def test_adjusted_confirmation_needs_a_reason(client: Any, city: Any, duty: Any) -> None:
    attendance = _pending(city, duty)
    _login(client, city.staff)
    local = timezone.localtime(duty.start)
    data = {
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    answer = client.post(reverse("duty:attendance_confirm", args=[attendance.pk]), data)
    assert answer.status_code == 422 and "调整" in answer.content.decode()
    attendance.refresh_from_db()
    assert attendance.state == Attendance.State.PENDING
    data["reason"] = "提前离开"
    client.post(reverse("duty:attendance_confirm", args=[attendance.pk]), data)
    attendance.refresh_from_db()
    assert attendance.credited_hours == 1


def test_bulk_confirm_and_reject(client: Any, city: Any, duty: Any) -> None:
    a = _pending(city, duty)
    b = _pending(city, duty, city.student2)
    _login(client, city.staff)
    assert (
        client.post(reverse("duty:attendance_reject", args=[b.pk]), {"reason": ""}).status_code
        == 422
    )
    client.post(reverse("duty:attendance_reject", args=[b.pk]), {"reason": "未到岗"})
    client.post(reverse("duty:confirm_bulk"), {"ids": [a.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == (Attendance.State.CONFIRMED, Attendance.State.REJECTED)


def test_other_communitys_staff_cannot_see_or_confirm(client: Any, city: Any, duty: Any) -> None:
    attendance = _pending(city, duty)
    _login(client, city.other_staff)
    assert city.student.name not in client.get(reverse("duty:confirm")).content.decode()
    assert client.post(reverse("duty:attendance_confirm", args=[attendance.pk])).status_code == 404
    assert (
        client.post(
            reverse("duty:attendance_reject", args=[attendance.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    bulk = client.post(reverse("duty:confirm_bulk"), {"ids": [attendance.pk]})
    assert bulk.status_code == 409
    for user in (city.student, city.secretary):
        _login(client, user)
        assert (
            client.post(reverse("duty:attendance_confirm", args=[attendance.pk])).status_code == 404
        )
    attendance.refresh_from_db()
    assert attendance.state == Attendance.State.PENDING


def test_hours_and_correction_overlapping_another_credit(client: Any, city: Any, duty: Any) -> None:
    first = services.attendance_confirm(actor=city.staff, attendance=_pending(city, duty))
    other = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=at(duty, 180),
        ends_at=at(duty, 240),
        capacity=3,
    )
    services.shift_sign_up(actor=city.student, shift=other)
    services.roll_call(
        actor=city.staff,
        shift=other,
        user=city.student,
        checkin_at=at(duty, 180),
        checkout_at=at(duty, 240),
    )
    services.attendance_confirm(actor=city.staff, attendance=Attendance.objects.get(shift=other))
    _login(client, city.student)
    hours = client.get(reverse("duty:hours")).content.decode()
    assert '<span class="hours-total__n">3.0</span>' in hours and "已确认" in hours
    fmt = "%Y-%m-%dT%H:%M"
    overlapping = {
        "start": timezone.localtime(at(duty, 0)).strftime(fmt),
        "end": timezone.localtime(at(duty, 200)).strftime(fmt),
        "reason": "实际服务到更晚",
    }
    answer = client.post(reverse("duty:correct", args=[first.pk]), overlapping)
    assert answer.status_code == 409 and "重叠" in answer.content.decode()
    assert not Correction.objects.exists()
    fine = {**overlapping, "end": timezone.localtime(at(duty, 150)).strftime(fmt)}
    assert client.post(reverse("duty:correct", args=[first.pk]), fine).status_code == 302
    correction = Correction.objects.get()
    _login(client, city.other_staff)
    assert (
        client.post(
            reverse("duty:correction_decide", args=[correction.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    _login(client, city.staff)
    inbox = client.get(reverse("duty:confirm")).content.decode()
    assert "实际服务到更晚" in inbox
    refused = client.post(
        reverse("duty:correction_decide", args=[correction.pk]), {"decision": "refuse"}
    )
    assert refused.status_code == 422
    client.post(reverse("duty:correction_decide", args=[correction.pk]), {"decision": "approve"})
    first.refresh_from_db()
    assert first.credited_hours == 2.5


def test_others_attendance_is_not_correctable(client: Any, city: Any, duty: Any) -> None:
    attendance = services.attendance_confirm(actor=city.staff, attendance=_pending(city, duty))
    _login(client, city.student2)
    assert client.get(reverse("duty:correct", args=[attendance.pk])).status_code == 404


# --- organisers ---------------------------------------------------------------------------------
def test_create_activity_and_shift_bad_periods(client: Any, city: Any, paired: Any) -> None:
    _login(client, city.staff)
    answer = client.post(
        reverse("duty:activity_create"),
        {
            "organiser": city.community.pk,
            "title": "社区文化节",
            "mode": "stage",
            "requires_insurance": "on",
            "lat": "26.2654",
            "lng": "117.6389",
            "checkin_radius_m": "200",
        },
    )
    assert answer.status_code == 302
    activity = Activity.objects.get(title="社区文化节")
    url = reverse("duty:shift_create", args=[activity.pk])
    start = timezone.localtime() + timedelta(days=2)
    fmt = "%Y-%m-%dT%H:%M"
    base = {
        "starts_at": start.strftime(fmt),
        "capacity": 5,
        "min_people": 1,
        "cancel_cutoff_hours": 12,
    }
    backwards = client.post(url, {**base, "ends_at": (start - timedelta(hours=1)).strftime(fmt)})
    assert backwards.status_code == 422 and "结束时间" in backwards.content.decode()
    too_long = client.post(url, {**base, "ends_at": (start + timedelta(hours=25)).strftime(fmt)})
    assert too_long.status_code == 422 and "24" in too_long.content.decode()
    assert not activity.shifts.exists()
    ok = client.post(
        url,
        {
            **base,
            "ends_at": (start + timedelta(hours=3)).strftime(fmt),
            "leader": city.secretary.phone,
        },
    )
    assert ok.status_code == 302
    assert activity.shifts.get().leader == city.secretary


def test_students_cannot_organise(client: Any, city: Any, duty: Any, paired: Any) -> None:
    _login(client, city.student)
    assert client.get(reverse("duty:activity_create")).status_code == 403
    assert client.post(reverse("duty:shift_create", args=[duty.activity.pk]), {}).status_code == 403
    assert client.get(reverse("duty:training")).status_code == 403
    assert client.get(reverse("duty:insurance")).status_code == 403
    _login(client, city.other_staff)
    assert client.get(reverse("duty:shift_create", args=[duty.activity.pk])).status_code == 404
    assert client.get(reverse("duty:course", args=[duty.course.pk])).status_code == 404
    assert duty.activity.shifts.count() == 1


def test_training_admin(client: Any, city: Any, duty: Any) -> None:
    _login(client, city.staff)
    answer = client.post(
        reverse("duty:training"),
        {"org": city.community.pk, "name": "入户走访培训", "topic": "door_to_door"},
    )
    assert answer.status_code == 302
    course_url = reverse("duty:course", args=[duty.course.pk])
    unknown = client.post(
        course_url, {"person": "13900000000", "completed_on": timezone.localdate().isoformat()}
    )
    assert unknown.status_code == 422 and "没有" in unknown.content.decode()
    # community staff look after the community's members only, not a university's students
    resident = client.post(
        course_url,
        {"person": city.resident.phone, "completed_on": timezone.localdate().isoformat()},
    )
    assert resident.status_code == 302
    assert TrainingRecord.objects.filter(user=city.resident, course=duty.course).exists()


def test_insurance_admin(client: Any, city: Any) -> None:
    _login(client, city.secretary)
    city.student.volunteer_no = city.student.volunteer_no or "V2026000001"
    city.student.save()
    today = timezone.localdate()
    data = {
        "holder": city.branch.pk,
        "insurer": "青州人寿",
        "policy_no": "QZ-9",
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=90)).isoformat(),
        "covered": f"{city.student.volunteer_no}\nV-NOPE",
    }
    bad = client.post(reverse("duty:insurance"), data)
    assert bad.status_code == 422 and "V-NOPE" in bad.content.decode()
    assert not InsurancePolicy.objects.filter(policy_no="QZ-9").exists()
    backwards = client.post(
        reverse("duty:insurance"),
        {
            **data,
            "covered": city.student.volunteer_no,
            "valid_to": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert backwards.status_code == 422
    ok = client.post(reverse("duty:insurance"), {**data, "covered": city.student.volunteer_no})
    assert ok.status_code == 302
    assert list(InsurancePolicy.objects.get(policy_no="QZ-9").covered.all()) == [city.student]


# --- query counts and home ----------------------------------------------------------------------
def test_lists_make_a_bounded_number_of_queries(
    client: Any, city: Any, duty: Any, paired: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        user = UserFactory(name=f"学生{i}")
        MembershipFactory(user=user, org=city.branch, role=Role.STUDENT)
        duty.policy.covered.add(user)
        duty.shift.capacity = 10
        duty.shift.save()
        _pending(city, duty, user)
    _login(client, city.staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("duty:confirm")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("duty:lead", args=[duty.shift.pk])).status_code == 200
    _login(client, city.student)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("duty:list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("duty:activity", args=[duty.activity.pk])).status_code == 200


def test_home_panels(client: Any, city: Any, duty: Any, paired: Any) -> None:
    _pending(city, duty)
    _login(client, city.staff)
    body = client.get(reverse("core:home")).content.decode()
    assert "待确认的考勤" in body or "1 条考勤待确认" in body
    other = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(hours=2),
        capacity=3,
        leader=city.secretary,
    )
    _login(client, city.secretary)
    assert (
        reverse("duty:lead", args=[other.pk]) in client.get(reverse("core:home")).content.decode()
    )

"""The adapter: from the database to the engine's specs (office hours, timetable, commitments,
caps, vacation base, training, insurance, fairness, who is a volunteer of a scope) in a bounded
number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qingshe.accounts.models import StudentProfile
from qingshe.accounts.services import (
    NewPerson,
    NewStudentProfile,
    student_profiles_bulk_create,
    users_bulk_create,
)
from qingshe.duty import services as duty
from qingshe.needs.dispatch import adapter
from qingshe.needs.dispatch.adapter import day_minutes, to_datetime, to_minutes
from qingshe.needs.models import NeedAssignment
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at, make_need

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db


def _input(d: SimpleNamespace, scope=None, start=None, days: int = 7):  # type: ignore[no-untyped-def]
    start = start or at(d.monday, "00:00")
    return adapter.build_input(
        scope or d.city.community,
        start,
        start + timedelta(days=days),
        now=start - timedelta(days=1),
    )


def _hm(day: date, hhmm: str) -> int:
    return to_minutes(at(day, hhmm))


def test_clock_round_trip_and_epoch() -> None:
    moment = timezone.make_aware(timezone.datetime(2026, 11, 23, 14, 30))
    minutes = to_minutes(moment)
    assert minutes == (date(2026, 11, 23) - date(2000, 1, 1)).days * 1440 + 14 * 60 + 30
    assert to_datetime(minutes) == moment
    assert adapter.date_of(minutes).weekday() == 0
    assert adapter.week_start(minutes) == day_minutes(date(2026, 11, 23))


def test_interval_helpers() -> None:
    assert adapter.merge([(5, 8), (1, 3), (3, 4), (7, 9)]) == [(1, 4), (5, 9)]
    assert adapter.subtract([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]
    assert adapter.intersect([(0, 5), (8, 12)], [(4, 9)]) == [(4, 5), (8, 9)]
    assert adapter.covers([(0, 5), (5, 9)], 3, 8)
    assert not adapter.overlaps([(0, 5)], 5, 8)


def test_vacation_dates() -> None:
    assert adapter.is_vacation(date(2027, 7, 1)) and adapter.is_vacation(date(2027, 8, 31))
    assert adapter.is_vacation(date(2027, 1, 15)) and adapter.is_vacation(date(2027, 2, 28))
    assert not adapter.is_vacation(date(2027, 1, 14)) and not adapter.is_vacation(date(2027, 3, 1))
    assert not adapter.is_vacation(date(2026, 11, 23))


def test_need_spec_windows_cut_to_office_hours(dsp: SimpleNamespace) -> None:
    d = dsp
    wide = make_need(
        d, title="楼道清洁", windows=[(at(d.monday, "07:00"), at(d.monday, "19:00"))], minutes=60
    )
    data = _input(d)
    specs = {n.id: n for n in data.needs}
    assert specs[wide.pk].windows == (
        (_hm(d.monday, "08:30"), _hm(d.monday, "12:00")),
        (_hm(d.monday, "14:00"), _hm(d.monday, "17:30")),
    )
    spec = specs[d.need.pk]
    assert spec.windows == ((_hm(d.monday, "14:00"), _hm(d.monday, "17:00")),)
    assert spec.head_count == 2 and spec.duration == 120 and not spec.remote
    assert spec.lat == pytest.approx(26.2654) and spec.max_km == 15.0


def test_weekend_window_has_no_office_hours_unless_remote_or_opened(dsp: SimpleNamespace) -> None:
    d = dsp
    saturday = d.monday + timedelta(days=5)
    weekend = make_need(
        d, title="周末义诊", windows=[(at(saturday, "09:00"), at(saturday, "12:00"))]
    )
    online = make_need(
        d,
        title="线上辅导",
        windows=[(at(saturday, "19:00"), at(saturday, "21:00"))],
        is_remote=True,
    )
    data = _input(d)
    ids = {n.id for n in data.needs}
    assert weekend.pk not in ids and weekend.pk in data.without_window
    assert online.pk in ids  # remote work is done where the student is: office hours do not apply
    community = d.city.community
    community.office_hours = [{"weekday": 5, "start": "09:00", "end": "11:30"}]
    community.save(update_fields=["office_hours"])
    data = _input(d)
    by_id = {n.id: n for n in data.needs}
    assert by_id[weekend.pk].windows == ((_hm(saturday, "09:00"), _hm(saturday, "11:30")),)
    assert d.need.pk in data.without_window  # Monday is closed in this community's own hours


def test_need_without_window_rows_uses_its_dates(dsp: SimpleNamespace) -> None:
    d = dsp
    need = make_need(
        d,
        title="垃圾分类宣传",
        windows=[],
        starts_on=d.monday + timedelta(days=1),
        ends_on=d.monday + timedelta(days=1),
    )
    spec = next(n for n in _input(d).needs if n.id == need.pk)
    tuesday = d.monday + timedelta(days=1)
    assert spec.windows == (
        (_hm(tuesday, "08:30"), _hm(tuesday, "12:00")),
        (_hm(tuesday, "14:00"), _hm(tuesday, "17:30")),
    )


def test_full_needs_bounties_and_other_scopes_are_left_out(dsp: SimpleNamespace) -> None:
    d = dsp
    bounty = make_need(d, title="社区调研", is_bounty=True)
    other = make_need(d, title="富华社区活动", community=d.city.community2)
    submitted = make_need(d, title="未受理的需求", accepted=False)
    claimable = make_need(d, title="楼道环境整治", open_claim=True)
    NeedAssignment.objects.create(
        need=d.need,
        volunteer=d.city.student,
        source="plan",
        starts_at=at(d.monday, "14:00"),
        ends_at=at(d.monday, "16:00"),
        state="offered",
    )
    ids = {n.id: n for n in _input(d).needs}
    assert bounty.pk not in ids and other.pk not in ids and submitted.pk not in ids
    assert claimable.pk not in ids  # left to 抢单
    assert ids[d.need.pk].head_count == 1
    assert other.pk in {n.id for n in _input(d, scope=d.city.street).needs}


def test_volunteers_of_a_scope(dsp: SimpleNamespace, city: SimpleNamespace) -> None:
    d = dsp
    ids = {v.id for v in _input(d).volunteers}
    assert ids == {city.student.pk, city.student2.pk}  # the paired department's students
    # Nobody is paired with the other community; for the district the city's students count.
    assert _input(d, scope=city.community2).volunteers == []
    assert {v.id for v in _input(d, scope=city.street).volunteers} == ids
    assert {v.id for v in _input(d, scope=city.other_district).volunteers} == ids
    # An ended pairing gives no volunteers.
    programmes_pairing = d.pairing
    programmes_pairing.state = "ended"
    programmes_pairing.save(update_fields=["state"])
    assert _input(d).volunteers == []


def test_timetable_is_subtracted_in_term_but_not_in_vacation(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    vols = {v.id: v for v in _input(d).volunteers}
    free = vols[city.student.pk].free
    class_start, class_end = _hm(d.monday, "08:00"), _hm(d.monday, "09:40")
    assert not any(a < class_end and class_start < b for a, b in free)
    assert any(a <= _hm(d.monday, "10:00") < b for a, b in free)
    july = date(d.monday.year + 1, 7, 5)
    july -= timedelta(days=july.weekday())
    vols = {v.id: v for v in _input(d, start=at(july, "00:00")).volunteers}
    assert any(a <= _hm(july, "08:30") < b for a, b in vols[city.student.pk].free)


def test_commitments_are_subtracted_and_reduce_the_cap(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    activity = duty.activity_create(actor=city.staff, organiser=city.community, title="敬老院陪伴")
    shift = duty.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=at(d.monday, "10:00"),
        ends_at=at(d.monday, "12:00"),
        capacity=5,
    )
    duty.shift_sign_up(actor=city.student, shift=shift)
    other = make_need(d, title="助老送餐", windows=[(at(d.monday, "14:00"), at(d.monday, "17:00"))])
    NeedAssignment.objects.create(
        need=other,
        volunteer=city.student,
        source="plan",
        starts_at=at(d.monday + timedelta(days=1), "14:00"),
        ends_at=at(d.monday + timedelta(days=1), "16:00"),
        state="accepted",
    )
    # A declined offer holds nothing.
    NeedAssignment.objects.create(
        need=d.need,
        volunteer=city.student,
        source="plan",
        starts_at=at(d.monday, "14:00"),
        ends_at=at(d.monday, "16:00"),
        state="declined",
    )
    v = {v.id: v for v in _input(d).volunteers}[city.student.pk]
    assert not any(a < _hm(d.monday, "12:00") and _hm(d.monday, "10:00") < b for a, b in v.free)
    tuesday = d.monday + timedelta(days=1)
    assert not any(a < _hm(tuesday, "16:00") and _hm(tuesday, "14:00") < b for a, b in v.free)
    assert any(a <= _hm(d.monday, "14:00") and _hm(d.monday, "16:00") <= b for a, b in v.free)
    assert v.cap == 8 * 60 - 240
    v2 = {v.id: v for v in _input(d).volunteers}[city.student2.pk]
    assert v2.cap == 8 * 60


def test_a_horizon_over_two_weeks_takes_the_smaller_remainder(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    friday = d.monday + timedelta(days=4)
    need = make_need(d, title="助老送餐", windows=[(at(friday, "14:00"), at(friday, "17:00"))])
    NeedAssignment.objects.create(
        need=need,
        volunteer=city.student,
        source="plan",
        starts_at=at(friday, "14:00"),
        ends_at=at(friday, "17:00"),
        state="offered",
    )
    v = {v.id: v for v in _input(d, start=at(d.monday + timedelta(days=3), "00:00")).volunteers}[
        city.student.pk
    ]
    assert v.cap == 8 * 60 - 180


def test_base_is_campus_in_term_and_home_in_vacation(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    StudentProfile.objects.filter(pk=d.profile.pk).update(
        home_lat=Decimal("24.4798"), home_lng=Decimal("118.0894")
    )
    v = {v.id: v for v in _input(d).volunteers}[city.student.pk]
    assert (v.lat, v.lng) == pytest.approx((26.26, 117.63))
    july = date(d.monday.year + 1, 7, 5)
    v = {v.id: v for v in _input(d, start=at(july, "00:00")).volunteers}
    assert (v[city.student.pk].lat, v[city.student.pk].lng) == pytest.approx((24.4798, 118.0894))
    # Without a home on file the campus stays the base.
    assert (v[city.student2.pk].lat, v[city.student2.pk].lng) == pytest.approx((26.26, 117.63))


def test_training_insurance_skills_and_fairness(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    v = {v.id: v for v in _input(d).volunteers}
    assert v[city.student.pk].courses == frozenset({d.course.pk})
    assert v[city.student2.pk].courses == frozenset()
    assert v[city.student.pk].major == "护理学" and len(v[city.student.pk].skills) == 2
    start, end = _hm(d.monday, "00:00"), _hm(d.monday + timedelta(days=7), "00:00")
    assert v[city.student.pk].insured == ((start, end),)
    # A policy that ends mid-week covers the days up to its end.
    d.policy.valid_to = d.monday + timedelta(days=2)
    d.policy.save(update_fields=["valid_to"])
    v = {v.id: v for v in _input(d).volunteers}
    assert v[city.student.pk].insured == ((start, _hm(d.monday + timedelta(days=3), "00:00")),)
    assert v[city.student.pk].minutes_this_month == 0


def test_minutes_served_this_month_count_confirmed_attendance(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    from qingshe.duty.models import Attendance, Shift

    d = dsp
    activity = duty.activity_create(actor=city.staff, organiser=city.community, title="往期服务")
    first = timezone.localtime(at(d.monday, "09:00")).replace(day=1, hour=9)
    shift = Shift.objects.create(
        activity=activity,
        starts_at=first,
        ends_at=first + timedelta(hours=3),
        capacity=3,
        qr_secret="x" * 32,
    )
    Attendance.objects.create(
        shift=shift,
        user=city.student,
        checkin_at=first,
        checkin_method="qr",
        state="confirmed",
        confirmed_start=first,
        confirmed_end=first + timedelta(hours=3),
        credited_hours=Decimal("3.0"),
    )
    v = {v.id: v for v in _input(d).volunteers}
    assert v[city.student.pk].minutes_this_month == 180


def test_minor_without_guardian_consent_is_left_out(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    city.student2.birth_date = timezone.localdate() - timedelta(days=365 * 16)
    city.student2.save(update_fields=["birth_date"])
    assert {v.id for v in _input(d).volunteers} == {city.student.pk}


def test_query_count_is_bounded_with_hundreds_of_volunteers(
    dsp: SimpleNamespace, city: SimpleNamespace
) -> None:
    d = dsp
    people = users_bulk_create(
        actor=None,
        people=[
            NewPerson(name=f"学生{i}", volunteer_no=f"VT{i:08d}", username=f"dsp_student_{i}")
            for i in range(300)
        ],
        password_hash=make_password("x"),
    )
    student_profiles_bulk_create(
        actor=None,
        rows=[
            NewStudentProfile(
                user=u,
                branch=city.branch if i % 2 else city.branch2,
                major="社会工作",
                grade=2024,
                skills=["入户走访"] if i % 3 else [],
                busy_slots=[{"weekday": i % 5, "start": "10:00", "end": "11:40"}],
            )
            for i, u in enumerate(people)
        ],
    )
    for i in range(5):
        make_need(
            d,
            title=f"需求{i}",
            windows=[
                (
                    at(d.monday + timedelta(days=i), "08:00"),
                    at(d.monday + timedelta(days=i), "18:00"),
                )
            ],
        )
    with CaptureQueriesContext(connection) as ctx:
        data = _input(d)
    assert len(data.volunteers) == 302 and len(data.needs) == 6
    assert len(ctx.captured_queries) <= 12, [q["sql"][:120] for q in ctx.captured_queries]

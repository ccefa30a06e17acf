"""Venues (阵地): listing with opening hours and capacity, booking by an activity or a project
group, the week's calendar; bad input (outside opening hours, overlapping, over capacity, in the
past) with clear messages and nothing written; permissions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.credit import selectors_points, services_venues
from qingshe.credit.models import Venue, VenueBooking
from qingshe.duty import services as duty
from qingshe.needs.models import ProjectGroup

WEEKDAYS = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)] + [
    {"weekday": d, "start": "14:00", "end": "18:00"} for d in range(5)
]


def _next(weekday: int) -> date:
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def venue(city):  # type: ignore[no-untyped-def]
    return services_venues.venue_create(
        actor=city.staff,
        owner=city.community,
        kind="council_hall",
        name="白沙居民议事厅",
        capacity=30,
        opening_hours=WEEKDAYS,
        address="白沙社区服务中心二楼",
    )


@pytest.fixture
def activity(city):  # type: ignore[no-untyped-def]
    return duty.activity_create(
        actor=city.staff, organiser=city.community, title="居民议事会", requires_insurance=False
    )


def _book(city, venue, activity, start, hours=1, people=10, **kw):  # type: ignore[no-untyped-def]
    return services_venues.booking_create(
        actor=kw.pop("actor", city.staff),
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        purpose=kw.pop("purpose", "居民议事会"),
        people=people,
        activity=activity,
        **kw,
    )


def test_book_within_opening_hours_and_see_the_week(city, venue, activity) -> None:
    monday = _next(0)
    booking = _book(city, venue, activity, _at(monday, 9, 30), hours=2)
    assert booking.state == VenueBooking.State.BOOKED and booking.venue == venue
    # Back to back is fine; a group books too.
    group = ProjectGroup.objects.create(
        owner=city.branch,
        name="议事厅小组",
        goal="g",
        project_type="governance",
        service_field="governance",
    )
    _book(
        city,
        venue,
        None,
        _at(monday, 11, 30),
        hours=0.5,
        group=group,
        actor=city.secretary,
    )
    week = selectors_points.venue_week(venue=venue, start=monday)
    assert len(week) == 7 and len(week[0].bookings) == 2 and week[5].windows == []
    assert week[0].windows == [(time(9), time(12)), (time(14), time(18))]


@pytest.mark.parametrize(
    ("weekday", "hour", "hours", "code", "message"),
    [
        (0, 8, 1, "outside_opening_hours", "开放时间为 09:00–12:00、14:00–18:00"),
        (0, 11, 2, "outside_opening_hours", "请在开放时间内预约"),
        (5, 10, 1, "outside_opening_hours", "不开放"),
    ],
)
def test_a_booking_outside_opening_hours(
    city, venue, activity, weekday, hour, hours, code, message
) -> None:
    with pytest.raises(ServiceError) as exc:
        _book(city, venue, activity, _at(_next(weekday), hour), hours=hours)
    assert exc.value.code == code and message in str(exc.value.message)
    assert not VenueBooking.objects.exists()


def test_an_overlapping_booking(city, venue, activity) -> None:
    monday = _next(0)
    _book(city, venue, activity, _at(monday, 9), hours=2)
    with pytest.raises(ServiceError) as exc:
        _book(city, venue, activity, _at(monday, 10), hours=1, purpose="插队")
    assert exc.value.code == "overlap"
    assert str(exc.value.message) == f"该阵地 {monday.isoformat()} 09:00 至 11:00 已被预约。"
    assert VenueBooking.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("people", "over_capacity"),
        ("past", "in_the_past"),
        ("purpose", "purpose_required"),
        ("backwards", "invalid_times"),
        ("nothing", "for_required"),
    ],
)
def test_other_bad_bookings(city, venue, activity, change, code) -> None:
    start = _at(_next(1), 9)
    kw = {"start": start, "hours": 1, "people": 10}
    extra = {}
    if change == "people":
        kw["people"] = 31
    elif change == "past":
        kw["start"] = timezone.now() - timedelta(hours=3)
    elif change == "purpose":
        extra["purpose"] = " "
    elif change == "backwards":
        kw["hours"] = -1
    else:
        activity = None
    with pytest.raises(ServiceError) as exc:
        _book(city, venue, activity, kw["start"], hours=kw["hours"], people=kw["people"], **extra)
    assert exc.value.code == code
    assert not VenueBooking.objects.exists()


def test_who_may_list_book_and_cancel(city, venue, activity) -> None:
    with pytest.raises(ServiceError) as exc:
        services_venues.venue_create(
            actor=city.student,
            owner=city.community,
            kind="gym",
            name="x",
            capacity=1,
            opening_hours=WEEKDAYS,
        )
    assert exc.value.status == 403
    # The other community's staff cannot book for an activity they do not organise.
    with pytest.raises(ServiceError) as exc:
        _book(city, venue, activity, _at(_next(2), 9), actor=city.other_staff)
    assert exc.value.status == 403
    booking = _book(city, venue, activity, _at(_next(2), 9))
    with pytest.raises(ServiceError) as exc:
        services_venues.booking_cancel(actor=city.student, booking=booking)
    assert exc.value.status == 404
    services_venues.booking_cancel(actor=city.staff, booking=booking)
    assert VenueBooking.objects.get().state == VenueBooking.State.CANCELLED
    # The freed time can be booked again.
    _book(city, venue, activity, _at(_next(2), 9))


@pytest.mark.parametrize(
    ("hours", "code"),
    [
        ([], "opening_hours_required"),
        ([{"weekday": 7, "start": "09:00", "end": "10:00"}], "invalid_opening_hours"),
        ([{"weekday": 1, "start": "10:00", "end": "09:00"}], "invalid_opening_hours"),
        ([{"weekday": 1, "start": "9点", "end": "10:00"}], "invalid_opening_hours"),
        (
            [
                {"weekday": 1, "start": "09:00", "end": "11:00"},
                {"weekday": 1, "start": "10:00", "end": "12:00"},
            ],
            "invalid_opening_hours",
        ),
    ],
)
def test_bad_opening_hours(city, hours, code) -> None:
    with pytest.raises(ServiceError) as exc:
        services_venues.venue_create(
            actor=city.staff,
            owner=city.community,
            kind="gym",
            name="健身房",
            capacity=10,
            opening_hours=hours,
        )
    assert exc.value.code == code
    assert not Venue.objects.exists()

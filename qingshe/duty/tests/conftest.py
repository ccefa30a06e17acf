from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from qingshe.duty import services
from qingshe.duty.models import TrainingCourse


@pytest.fixture(autouse=True)
def _checkin_state():  # type: ignore[no-untyped-def]
    """Each test starts without cached shifts and leaves no group-commit writer (and so no open
    database connection) behind."""
    services._CHECKIN_SHIFTS.clear()
    yield
    services._CHECKINS.stop()
    services._CHECKIN_SHIFTS.clear()


@pytest.fixture
def duty(city: SimpleNamespace) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """An activity of city.community with one shift in three days, 09:00–11:00 (local), 2 places; the
    two students insured; a first-aid course."""
    d = SimpleNamespace()
    d.course = TrainingCourse.objects.create(name="社区急救", topic="first_aid", org=city.community)
    today = timezone.localdate()
    d.policy = services.insurance_policy_add(
        actor=city.league_admin,
        holder=city.city,
        insurer="青州人寿",
        policy_no="QZ-2026-001",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=300),
        covered=[city.student, city.student2, city.secretary],
    )
    d.activity = services.activity_create(
        actor=city.staff,
        organiser=city.community,
        title="敬老院陪伴",
        place="白沙社区服务站",
        lat=26.2654,
        lng=117.6389,
        checkin_radius_m=300,
    )
    tomorrow = today + timedelta(days=3)
    d.start = timezone.make_aware(
        timezone.datetime.combine(tomorrow, timezone.datetime.min.time())
    ) + timedelta(hours=9)
    d.shift = services.shift_add(
        actor=city.staff,
        activity=d.activity,
        starts_at=d.start,
        ends_at=d.start + timedelta(hours=2),
        capacity=2,
        leader=city.secretary,
    )
    d.day = tomorrow
    return d


def at(d: SimpleNamespace, minutes: int):  # type: ignore[no-untyped-def]
    """A moment `minutes` after the shift's start."""
    return d.start + timedelta(minutes=minutes)

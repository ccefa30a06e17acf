"""Confirmed service for the test city's people, made through duty's services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.models import StudentProfile
from qingshe.credit import services as credit
from qingshe.duty import services as duty
from qingshe.duty.models import Attendance, DutyMode


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def last_weekday(before: date, back: int) -> date:
    """The weekday `back` weekdays before `before` (within duty's confirmation deadline)."""
    day = before
    while back > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            back -= 1
    return day


@pytest.fixture
def serve(city: SimpleNamespace) -> Callable[..., Attendance]:
    """`serve(user, days_ago=2, minutes=120, mode="regular", title=…)`: an activity of
    city.community (or of the university for concentrated duty) with a past shift, the person
    signed up, checked in and out by the leader's roll call, and confirmed by the organiser's
    staff; the ledger holds the credit (posted by duty's confirmation, or here when duty does
    not post yet; posting twice is a no-op)."""
    activities: dict[str, Any] = {}

    def _serve(
        user: Any,
        days_ago: int = 2,
        minutes: int = 120,
        mode: str = DutyMode.REGULAR,
        title: str = "",
        hour: int = 9,
    ) -> Attendance:
        organiser, actor = (
            (city.university, city.university_admin)
            if mode == DutyMode.CONCENTRATED
            else (city.community, city.staff)
        )
        key = f"{mode}:{title}"
        if key not in activities:
            activities[key] = duty.activity_create(
                actor=actor,
                organiser=organiser,
                title=title
                or ("三下乡社会实践" if mode == DutyMode.CONCENTRATED else "敬老院陪伴"),
                mode=mode,
                place="白沙社区服务站",
                description="陪老人聊天、读报、打扫房间。",
                requires_insurance=False,
            )
        activity = activities[key]
        day = last_weekday(timezone.localdate(), days_ago)
        start = _at(day, hour)
        shift = duty.shift_add(
            actor=actor,
            activity=activity,
            starts_at=start,
            ends_at=start + timedelta(minutes=max(minutes, 30)),
            capacity=5,
            leader=city.secretary,
        )
        duty.shift_sign_up(actor=user, shift=shift, now=start - timedelta(days=1))
        attendance = duty.roll_call(
            actor=city.secretary,
            shift=shift,
            user=user,
            checkin_at=start,
            checkout_at=start + timedelta(minutes=minutes),
        )
        attendance = duty.attendance_confirm(actor=actor, attendance=attendance)
        credit.ledger_post_attendance(attendance=attendance, actor=actor)
        return attendance

    return _serve


@pytest.fixture
def student_profile(city: SimpleNamespace) -> StudentProfile:
    return StudentProfile.objects.create(
        user=city.student,
        university=city.university,
        department=city.department,
        branch=city.branch,
        student_no="2024010101",
        major="旅游管理",
        grade=2024,
        home_region="福建省三明市",
    )


# --- points, rewards, the partner circle, venues ------------------------------------------------
@pytest.fixture
def rules(city: SimpleNamespace) -> SimpleNamespace:
    """The city committee's default earning rules: 10 points per confirmed hour (at most 2 h
    counted per activity), 30 per completed need, 50 for a commendation."""
    from qingshe.credit import services_points as points
    from qingshe.credit.models import RuleKind

    since = date(2020, 1, 1)
    return SimpleNamespace(
        hour=points.rule_set(
            actor=city.league_admin,
            owner=city.city,
            kind=RuleKind.PER_HOUR,
            name="志愿服务时长积分",
            points=10,
            cap_hours="2",
            active_from=since,
        ),
        need=points.rule_set(
            actor=city.league_admin,
            owner=city.city,
            kind=RuleKind.PER_NEED,
            name="解决需求积分",
            points=30,
            active_from=since,
        ),
        commendation=points.rule_set(
            actor=city.league_admin,
            owner=city.city,
            kind=RuleKind.COMMENDATION,
            name="表彰奖励积分",
            points=50,
            active_from=since,
        ),
    )


@pytest.fixture
def earn(
    serve: Callable[..., Attendance], django_capture_on_commit_callbacks: Any
) -> Callable[..., Attendance]:
    """`serve(...)` with the commit's callbacks run, as after a real request: the points task
    enqueued by the hours ledger runs (ImmediateBackend)."""

    def _earn(user: Any, **kw: Any) -> Attendance:
        with django_capture_on_commit_callbacks(execute=True):
            return serve(user, **kw)

    return _earn


@pytest.fixture
def partner(city: SimpleNamespace) -> SimpleNamespace:
    """A partner unit of the city with its contact, and one of another city."""
    from qingshe.accounts.tests.factories import UserFactory
    from qingshe.orgs.models import OrgKind, Role
    from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

    p = SimpleNamespace()
    p.org = OrganisationFactory(
        kind=OrgKind.PARTNER,
        name="青州书香书店",
        short_name="书香书店",
        parent=city.city,
        address="青州市东湖区白沙路8号",
    )
    p.contact = UserFactory(name="书店联系人")
    MembershipFactory(user=p.contact, org=p.org, role=Role.PARTNER_CONTACT)
    p.other_city = OrganisationFactory(
        kind=OrgKind.CITY_COMMITTEE, name="共青团沙县委员会", short_name="沙县团委"
    )
    p.other_org = OrganisationFactory(kind=OrgKind.PARTNER, name="沙县小吃店", parent=p.other_city)
    p.other_contact = UserFactory(name="小吃店联系人")
    MembershipFactory(user=p.other_contact, org=p.other_org, role=Role.PARTNER_CONTACT)
    return p


@pytest.fixture
def reward(city: SimpleNamespace, partner: SimpleNamespace) -> Any:
    """A book voucher of the partner: 20 points, 5 in stock, 2 per person, valid for a month."""
    from qingshe.credit import services_rewards

    today = timezone.localdate()
    return services_rewards.reward_create(
        actor=partner.contact,
        partner=partner.org,
        kind="goods",
        title="图书兑换券",
        description="凭码到店兑换任意一本 30 元以内图书。",
        price=20,
        stock=5,
        per_person_limit=2,
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=30),
    )

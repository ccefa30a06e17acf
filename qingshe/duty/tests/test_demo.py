"""The demo's year of duty: every mode and every attendance state, the logins' own data, hours
by the one rule, no overlapping credit, no overbooked shift; removed by the demo's reset."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from qingshe.core import access
from qingshe.demo.builder import build_demo, reset_demo
from qingshe.demo.context import DemoContext
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
from qingshe.orgs.models import OrgKind

TODAY = date(2026, 11, 22)
SIZE = 0.2
NOW = timezone.make_aware(datetime.combine(TODAY, time(7, 30)))


def _build() -> DemoContext:
    return build_demo(seed=2026, size=SIZE, today=TODAY, log=lambda _line: None)


def _served(attendance: Attendance) -> date:
    return timezone.localtime(attendance.shift.starts_at).date()


@pytest.mark.django_db
def test_duty_year() -> None:
    ctx = _build()
    # The duty step's activities; the care step's visits (one draft activity per help
    # relationship, confirmed by its supervisor, not by the community) are tested in care.
    from qingshe.care.models import HelpRelationship

    activities = Activity.objects.filter(
        organiser__path__startswith=ctx.extra["city"].path
    ).exclude(
        pk__in=HelpRelationship.objects.filter(duty_activity__isnull=False).values("duty_activity")
    )
    assert set(activities.values_list("mode", flat=True)) == set(DutyMode.values)
    assert activities.filter(mode=DutyMode.CONCENTRATED, remote_allowed=True).exists()
    assert activities.filter(mode=DutyMode.REGULAR, pairing__isnull=False).exists()
    # The festival: every residential area on one day.
    stage = activities.filter(mode=DutyMode.STAGE)
    assert stage.count() == len(ctx.orgs[OrgKind.RESIDENTIAL_AREA])
    days = {
        timezone.localtime(s).date()
        for s in Shift.objects.filter(activity__in=stage).values_list("starts_at", flat=True)
    }
    assert len(days) == 1 and days.pop() < TODAY
    # A year of it, and the two weeks ahead.
    starts = Shift.objects.filter(activity__in=activities).values_list("starts_at", flat=True)
    assert min(starts).date() <= TODAY - timedelta(days=300) and max(starts).date() > TODAY

    attendance = Attendance.objects.filter(shift__activity__in=activities).select_related("shift")
    states = set(attendance.values_list("state", flat=True))
    assert {
        Attendance.State.CONFIRMED,
        Attendance.State.PENDING,
        Attendance.State.REJECTED,
    } <= states
    assert (
        Attendance.State.OPEN not in states
    )  # forgotten check-outs were closed at the shift's end
    pending = list(attendance.filter(state=Attendance.State.PENDING))
    assert any(confirmation_due(_served(a)) >= TODAY for a in pending)  # recent
    assert any(confirmation_due(_served(a)) < TODAY for a in pending)  # late
    # Confirmed after the deadline: by the committee, not by the community.
    late_confirmed = [
        a
        for a in attendance.filter(state=Attendance.State.CONFIRMED).select_related("confirmed_by")
        if timezone.localtime(a.confirmed_at).date() > confirmation_due(_served(a))
    ]
    assert late_confirmed and all(
        a.confirmed_by == ctx.logins["league_admin"] for a in late_confirmed
    )
    assert (
        attendance.filter(auto_checkout=True, state=Attendance.State.CONFIRMED)
        .exclude(adjust_reason="")
        .exists()
    )
    assert attendance.filter(auto_checkout=True, state=Attendance.State.PENDING).exists()
    methods = set(attendance.values_list("checkin_method", flat=True))
    assert {CheckMethod.QR, CheckMethod.REMOTE_LOG} <= methods
    assert attendance.filter(checkin_method=CheckMethod.REMOTE_LOG).exclude(remote_log="").exists()
    corrections = Correction.objects.filter(attendance__in=attendance)
    assert set(corrections.values_list("state", flat=True)) == set(Correction.State.values)
    approved = corrections.get(state=Correction.State.APPROVED)
    assert (
        approved.previous_hours is not None
        and approved.attendance.confirmed_end == approved.new_end
    )
    assert SignUp.objects.filter(
        shift__activity__in=activities, state=SignUp.State.WAITLISTED
    ).exists()

    # Every confirmed period is credited by the one rule; nothing else credits hours.
    for a in attendance:
        if a.state == Attendance.State.CONFIRMED:
            assert a.credited_hours == credited_hours(a.confirmed_start, a.confirmed_end), a.pk
        else:
            assert a.credited_hours == 0
    # No two credited periods of one person overlap.
    periods = defaultdict(list)
    for user_id, start, end in attendance.filter(state=Attendance.State.CONFIRMED).values_list(
        "user_id", "confirmed_start", "confirmed_end"
    ):
        periods[user_id].append((start, end))
    for spans in periods.values():
        spans.sort()
        assert all(
            a_end <= b_start for (_s, a_end), (b_start, _e) in zip(spans, spans[1:], strict=False)
        )
    # No shift overbooked; everyone present was signed up.
    over = Shift.objects.filter(activity__in=activities).annotate(
        n=Count("signups", filter=Q(signups__state=SignUp.State.CONFIRMED))
    )
    assert all(s.n <= s.capacity for s in over)
    signed = set(
        SignUp.objects.filter(state=SignUp.State.CONFIRMED).values_list("shift_id", "user_id")
    )
    assert set(attendance.values_list("shift_id", "user_id")) <= signed

    # Training and insurance.
    # The duty step's three courses (the needs step adds a safety course of its own, untaught).
    duty_topics = {"first_aid", "door_to_door", "mediation"}
    courses = TrainingCourse.objects.filter(org__path__startswith=ctx.extra["city"].path)
    assert duty_topics <= set(courses.values_list("topic", flat=True))
    courses = courses.filter(topic__in=duty_topics)
    assert all(c.sessions.count() >= 3 and c.records.count() >= 5 for c in courses)
    for uni in ctx.orgs[OrgKind.UNIVERSITY_COMMITTEE]:
        policy = InsurancePolicy.objects.get(holder=uni, valid_from__lte=TODAY, valid_to__gte=TODAY)
        assert policy.covered.count() > 0
    # History is on the demo's calendar.
    for a in attendance:  # a remote log is submitted after the work
        assert a.created_at == a.checkin_at or (
            a.checkin_method == CheckMethod.REMOTE_LOG and a.created_at > a.checkin_at
        )
        assert timezone.localtime(a.updated_at).date() <= TODAY
    # (Activities the dispatch step makes when a volunteer accepts are made at the real time.)
    from qingshe.needs.models import NeedAssignment

    dispatched = NeedAssignment.objects.values("need_id")
    assert all(
        timezone.localtime(c).date() <= TODAY
        for c in activities.exclude(need_id__in=dispatched).values_list("created_at", flat=True)
    )


@pytest.mark.django_db
def test_logins_see_their_duty() -> None:
    ctx = _build()
    student, staff = ctx.logins["student"], ctx.logins["community_staff"]
    secretary = ctx.logins["branch_secretary"]
    upcoming = SignUp.objects.filter(user=student, shift__starts_at__gt=NOW)
    assert upcoming.filter(state=SignUp.State.CONFIRMED).count() >= 2
    assert upcoming.filter(state=SignUp.State.WAITLISTED).count() == 1
    mine = Attendance.objects.filter(user=student)
    assert sum(a.credited_hours for a in mine.filter(state=Attendance.State.CONFIRMED)) >= 10
    assert mine.filter(state=Attendance.State.PENDING).exists()
    assert TrainingRecord.objects.filter(user=student).count() >= 2

    community = ctx.extra["login_community"]
    waiting = Attendance.objects.filter(
        state=Attendance.State.PENDING, shift__activity__organiser=community
    )
    assert waiting.exists() and access.can(staff, "attendance.confirm", community)
    assert Correction.objects.filter(
        state=Correction.State.PENDING, attendance__shift__activity__organiser=community
    ).exists()

    led = Shift.objects.filter(leader=secretary, starts_at__gt=NOW)
    assert any(
        timezone.localtime(s.starts_at).date() in (TODAY, TODAY + timedelta(days=1)) for s in led
    )


@pytest.mark.django_db
def test_reset_removes_the_duty_year() -> None:
    _build()
    reset_demo()
    assert not Activity.objects.exists() and not Attendance.objects.exists()
    assert not InsurancePolicy.objects.exists() and not TrainingCourse.objects.exists()

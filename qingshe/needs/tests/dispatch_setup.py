"""Fixtures of the dispatch tests (imported by the test_dispatch_* modules): the test city with a
paired department, two students with profiles, training, insurance, a dispatcher, and needs in a
term-time week to come. Everything is made through the services, except what no service writes
yet (need windows, office hours, required courses, home locations), set on the rows directly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from qingshe.accounts.services import student_profile_save
from qingshe.accounts.tests.factories import UserFactory
from qingshe.duty import services as duty
from qingshe.duty.models import TrainingCourse
from qingshe.needs.dispatch.adapter import is_vacation
from qingshe.needs.models import Need, NeedWindow
from qingshe.needs.services import need_submit
from qingshe.needs.services.lifecycle import need_lock, need_move
from qingshe.orgs import services as org_services
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory
from qingshe.programmes import services as programmes

CAMPUS = (26.2600, 117.6300)  # about 1 km from 白沙社区 (26.2654, 117.6389)


def term_monday(today: date | None = None) -> date:
    """The first Monday at least two days ahead whose week lies in term time."""
    today = today or timezone.localdate()
    day = today + timedelta(days=2)
    day += timedelta(days=(7 - day.weekday()) % 7)
    while any(is_vacation(day + timedelta(days=n)) for n in range(7)):
        day += timedelta(days=7)
    return day


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return timezone.make_aware(datetime.combine(day, time(int(hours), int(minutes))))


def accept(need: Need, actor: Any) -> Need:
    """The community takes the need up (submitted → accepted), through the state table."""
    with transaction.atomic():
        locked = need_lock(need.pk)
        need_move(need=locked, to=Need.State.ACCEPTED, actor=actor)
    return Need.objects.get(pk=need.pk)


def make_need(
    d: SimpleNamespace,
    *,
    title: str = "敬老院陪伴",
    windows: list[tuple[datetime, datetime]] | None = None,
    people: int = 2,
    minutes: int = 120,
    community: Any = None,
    accepted: bool = True,
    **extra: Any,
) -> Need:
    community = community or d.city.community
    staff = d.city.staff if community == d.city.community else d.staff2
    need = need_submit(
        actor=staff,
        community=community,
        title=title,
        project_type="governance",
        service_field="health",
        people_needed=people,
        skills=extra.pop("skills", None),
        majors=extra.pop("majors", None),
        is_remote=extra.pop("is_remote", False),
    )
    courses = extra.pop("courses", None)
    fields = {"minutes_each": minutes, **extra}
    Need.objects.filter(pk=need.pk).update(**fields)
    if courses:
        need.required_courses.set(courses)
    for start, end in (
        windows if windows is not None else [(at(d.monday, "14:00"), at(d.monday, "17:00"))]
    ):
        NeedWindow.objects.create(need=need, starts_at=start, ends_at=end)
    need.refresh_from_db()
    return accept(need, staff) if accepted else need


@pytest.fixture
def dsp(city: SimpleNamespace) -> SimpleNamespace:
    d = SimpleNamespace(city=city)
    today = timezone.localdate()
    d.monday = term_monday(today)
    org_services.org_update(
        actor=city.league_admin, org=city.university, lat=CAMPUS[0], lng=CAMPUS[1]
    )
    city.university.refresh_from_db()
    d.dispatcher = UserFactory(name="社区团委书记")
    MembershipFactory(user=d.dispatcher, org=city.community, role=Role.COMMUNITY_SECRETARY)
    d.staff2 = UserFactory(name="富华社区工作者")
    MembershipFactory(user=d.staff2, org=city.community2, role=Role.COMMUNITY_STAFF)
    d.programme = programmes.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="大学生社区实践计划",
        year=today.year,
        scope=[city.university, city.district, city.other_district],
        pairing_deadline=today + timedelta(days=30),
        start_deadline=today + timedelta(days=40),
        case_deadline=today + timedelta(days=300),
    )
    pairing = programmes.pairing_propose(
        actor=city.league_admin,
        programme=d.programme,
        unit=city.department,
        community=city.community,
        term_start=today - timedelta(days=10),
        term_end=today + timedelta(days=365),
    )
    programmes.pairing_approve(actor=city.league_admin, pairing=pairing)
    programmes.pairing_confirm(actor=city.department_admin, pairing=pairing, side="unit")
    d.pairing = programmes.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    d.profile = student_profile_save(
        actor=city.student,
        user=city.student,
        branch=city.branch,
        major="护理学",
        grade=today.year - 1,
        skills=["急救", "摄影"],
        busy_slots=[{"weekday": 0, "start": "08:00", "end": "09:40", "label": "解剖学"}],
    )
    d.profile2 = student_profile_save(
        actor=city.student2,
        user=city.student2,
        branch=city.branch2,
        major="会计学",
        grade=today.year - 1,
        skills=["财务记账"],
        busy_slots=[{"weekday": 0, "start": "14:00", "end": "15:40", "label": "会计学原理"}],
    )
    d.course = TrainingCourse.objects.create(name="社区急救", topic="first_aid", org=city.community)
    duty.training_record(
        actor=city.staff,
        course=d.course,
        user=city.student,
        completed_on=today - timedelta(days=20),
    )
    d.policy = duty.insurance_policy_add(
        actor=city.league_admin,
        holder=city.city,
        insurer="青州人寿",
        policy_no="QZ-DISPATCH-1",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=300),
        covered=[city.student, city.student2],
    )
    d.need = make_need(d)
    return d

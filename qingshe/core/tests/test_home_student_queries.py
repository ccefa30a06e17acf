"""A student's home page reads a pinned number of queries, however many shifts and applications
they have, and still shows every panel's rows (issue 11 item 8: the page's render was halved by
reading only the columns each panel shows)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qingshe.accounts import services as account_services
from qingshe.accounts.tests.factories import UserFactory
from qingshe.duty import services as duty_services
from qingshe.needs import services as needs_services
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

HOME = reverse("core:home")
# user, consent, roles, profile, offers, shifts and their count (past five), "do I instruct or
# lead a group?", "do I lead a shift today?", my applications, hours + certificates, points +
# rewards to collect. (The session is read by the session engine before the view.)
STUDENT_HOME_QUERIES = 12


def _student_with_rows(city: Any) -> list[Any]:
    today = timezone.localdate()
    duty_services.insurance_policy_add(
        actor=city.league_admin,
        holder=city.city,
        insurer="青州人寿",
        policy_no="QZ-2026-009",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=300),
        covered=[city.student],
    )
    activity = duty_services.activity_create(
        actor=city.staff,
        organiser=city.community,
        title="敬老院陪伴",
        place="白沙社区服务站",
        lat=26.2654,
        lng=117.6389,
        checkin_radius_m=300,
    )
    shifts = []
    for day in range(2, 9):
        start = timezone.now().replace(microsecond=0) + timedelta(days=day)
        shift = duty_services.shift_add(
            actor=city.staff,
            activity=activity,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=3,
        )
        duty_services.shift_sign_up(actor=city.student, shift=shift)
        shifts.append(shift)
    instructor = UserFactory(name="指导老师")
    MembershipFactory(user=instructor, org=city.branch, role=Role.INSTRUCTOR)
    for i in range(3):
        group = needs_services.project_group_create(
            actor=city.secretary,
            owner=city.branch,
            name=f"项目组{i}",
            goal="为白沙社区运营公众号。",
            project_type="league_building",
            service_field="policy",
            instructor=instructor,
            responsibilities=["撰写推文"],
        )
        needs_services.project_join_apply(
            actor=city.student, group=group, statement="我会写推文，也会拍照。" * 3
        )
    account_services.consent_give(actor=city.student, user=city.student, purpose="privacy_notice")
    return shifts


def test_student_home_reads_a_pinned_number_of_queries(client: Any, city: Any) -> None:
    shifts = _student_with_rows(city)
    client.force_login(city.student)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)
    assert response.status_code == 200
    assert len(queries) <= STUDENT_HOME_QUERIES, "\n".join(q["sql"][:120] for q in queries)
    html = response.content.decode()
    # My next shifts: the first five, with links to each and the total of seven.
    for shift in shifts[:5]:
        assert reverse("duty:shift", args=[shift.pk]) in html
    assert reverse("duty:shift", args=[shifts[5].pk]) not in html
    assert "敬老院陪伴" in html and '<span class="count">7</span>' in html
    # My applications, each linking to its group, with their state.
    for i in range(3):
        assert f"项目组{i}" in html
    assert html.count("已报名") >= 3 or html.count("Applied") >= 3
    # The profile panel reads its gaps from one query: no profile yet.
    assert "尚未填写学生信息" in html
    # Hours and points, read without loading the ledger.
    assert reverse("credit:hours") in html and reverse("credit:points") in html


def test_own_profile_gaps_read_the_same_as_the_whole_profile(city: Any) -> None:
    from qingshe.accounts import selectors

    def both() -> tuple[list[str], list[str]]:
        whole = selectors.student_profile_gaps(
            profile=selectors.student_profile_of(person=city.student)
        )
        return whole, selectors.own_profile_gaps(user=city.student)

    assert both() == ([selectors.PROFILE_GAP_NO_PROFILE],) * 2
    save = dict(
        actor=city.student, user=city.student, branch=city.branch, major="旅游管理", grade=2024
    )
    account_services.student_profile_save(**save)
    assert both() == ([selectors.PROFILE_GAP_NO_SKILLS, selectors.PROFILE_GAP_NO_TIMETABLE],) * 2
    account_services.student_profile_save(**save, skills=["摄影"])
    assert both() == ([selectors.PROFILE_GAP_NO_TIMETABLE],) * 2
    account_services.student_profile_save(
        **save,
        skills=["摄影"],
        busy_slots=[{"weekday": 0, "start": "08:00", "end": "09:40", "label": "高数"}],
    )
    assert both() == ([], [])
    account_services.student_profile_save(
        **save,
        skills=[],
        busy_slots=[{"weekday": 1, "start": "08:00", "end": "09:40", "label": "高数"}],
    )
    assert both() == ([selectors.PROFILE_GAP_NO_SKILLS],) * 2


def test_panel_urls_are_the_same_as_reverse(db: Any) -> None:
    from qingshe.core.home import url, url_maker

    for name in ("duty:list", "credit:hours", "projects:list", "dispatch:offers"):
        assert url(name) == reverse(name)
    for name in ("duty:shift", "projects:detail", "duty:lead"):
        make = url_maker(name)
        assert [make(pk) for pk in (1, 10, 2026)] == [
            reverse(name, args=[pk]) for pk in (1, 10, 2026)
        ]


def test_a_student_who_leads_a_group_sees_applications_to_decide(client: Any, city: Any) -> None:
    from qingshe.needs import selectors as needs_selectors
    from qingshe.needs.models import ProjectMember

    instructor = UserFactory(name="指导老师")
    MembershipFactory(user=instructor, org=city.branch, role=Role.INSTRUCTOR)
    group = needs_services.project_group_create(
        actor=city.secretary,
        owner=city.branch,
        name="宣传项目组",
        goal="为白沙社区运营公众号。",
        project_type="league_building",
        service_field="policy",
        instructor=instructor,
        responsibilities=["撰写推文"],
    )
    assert not needs_selectors.may_decide_as_leader_or_instructor(user=city.student)
    assert needs_selectors.may_decide_as_leader_or_instructor(user=instructor)
    client.force_login(city.student)
    assert "待我审核的项目组报名" not in client.get(HOME).content.decode()

    mine = needs_services.project_join_apply(
        actor=city.student, group=group, statement="我会写推文，也会拍照。" * 3
    )
    needs_services.project_join_decide(actor=city.secretary, member=mine, accept=True)
    needs_services.project_member_set_role(
        actor=city.secretary, member=mine, role=ProjectMember.Role.LEADER
    )
    assert needs_selectors.may_decide_as_leader_or_instructor(user=city.student)
    other = UserFactory(name="学生丙")
    MembershipFactory(user=other, org=city.branch, role=Role.STUDENT)
    needs_services.project_join_apply(actor=other, group=group, statement="我想参加宣传工作。" * 3)
    html = client.get(HOME).content.decode()
    assert "待我审核的项目组报名" in html and "学生丙 · 宣传项目组" in html
    assert reverse("projects:detail", args=[group.pk]) + "#waiting-title" in html


def test_the_shift_leader_probe_agrees_with_the_selector(city: Any) -> None:
    from qingshe.duty import selectors as duty_selectors
    from qingshe.duty.home import _leads_a_shift_between

    activity = duty_services.activity_create(
        actor=city.staff,
        organiser=city.community,
        title="敬老院陪伴",
        place="白沙社区服务站",
        lat=26.2654,
        lng=117.6389,
        checkin_radius_m=300,
    )
    start = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    duty_services.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=3,
        leader=city.secretary,
    )
    windows = [
        (start - timedelta(hours=1), start + timedelta(hours=1)),  # overlaps
        (start + timedelta(hours=2), start + timedelta(hours=3)),  # starts as it ends: no overlap
        (start - timedelta(hours=1), start),  # ends as it starts: no overlap
        (start + timedelta(minutes=30), start + timedelta(minutes=40)),  # inside
    ]
    for user in (city.secretary, city.student):
        for a, b in windows:
            found = duty_selectors.shifts_led_between(user=user, start=a, end=b).exists()
            assert _leads_a_shift_between(user, a, b) == found, (user, a, b)
    assert _leads_a_shift_between(city.secretary, *windows[0])

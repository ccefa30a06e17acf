"""Deadline reminders: who is told what, N days before and on the day; nobody else, no other day,
never twice. The programme fixture has its pairing deadline on 15 Nov, start deadline on 20 Nov,
case deadline on 31 Dec 2026, and reminds 7 days before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.models import Notification
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import services
from qingshe.programmes.documents import agreement_number
from qingshe.programmes.tasks import reminder_kind, send_deadline_reminders


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the task as the worker would (immediate backend), letting notify's on-commit fire."""

    def _run(day: str) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            result = send_deadline_reminders.enqueue(today_iso=day)
        assert result.status == "SUCCESSFUL", result.errors
        return result.return_value

    return _run


def _reminders(kind_prefix: str = "programme.reminder") -> dict[int, Notification]:
    rows = Notification.objects.filter(kind__startswith=kind_prefix)
    return {n.user_id: n for n in rows}


def _pairing(city, programme, unit, community, *, approve=True):  # type: ignore[no-untyped-def]
    pairing = services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=unit,
        community=community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )
    return (
        services.pairing_approve(actor=city.league_admin, pairing=pairing) if approve else pairing
    )


@pytest.fixture
def good_department(city):  # type: ignore[no-untyped-def]
    """A second department that meets both quotas: its one branch is paired, its student counted."""
    dept = OrganisationFactory(
        kind=OrgKind.DEPARTMENT_COMMITTEE,
        name="共青团青州学院外国语系委员会",
        parent=city.university,
    )
    branch = OrganisationFactory(kind=OrgKind.CLASS_BRANCH, name="2024级英语班团支部", parent=dept)
    MembershipFactory(user=UserFactory(name="英语班学生"), org=branch, role=Role.STUDENT)
    admin = UserFactory(name="外语系团委管理员")
    MembershipFactory(user=admin, org=dept, role=Role.DEPARTMENT_ADMIN)
    return dept, branch, admin


# --- pairing deadline ---------------------------------------------------------------------------
def test_pairing_deadline_reminds_admins_of_departments_below_quota(
    city, programme, good_department, run
) -> None:
    dept2, branch3, dept2_admin = good_department
    _pairing(city, programme, branch3, city.community2)

    summary = run("2026-11-08")

    sent = _reminders()
    assert set(sent) == {city.department_admin.pk, city.university_admin.pk}
    assert summary == {
        "date": "2026-11-08",
        "notifications": 2,
        "reminders": [f"pairing.{programme.pk}"],
    }
    kind = reminder_kind("pairing", programme, date(2026, 11, 8))
    assert {n.kind for n in sent.values()} == {kind}
    dept_note = sent[city.department_admin.pk]
    assert (
        "7" in dept_note.title
        and "结对截止日" in dept_note.title
        and "2026年11月15日" in dept_note.title
    )
    # the figures and what is missing: 0 of 2 branches and 0 of 2 students take part
    assert "共青团青州学院经济管理系委员会" in dept_note.body
    assert "0/2" in dept_note.body and "还差1个团支部和1名学生" in dept_note.body
    # the university admin hears about the department below quota only, not the one that meets it
    uni_note = sent[city.university_admin.pk]
    assert "经济管理系" in uni_note.body and "外国语系" not in uni_note.body
    assert dept2_admin.pk not in sent
    assert dept_note.url == f"/programmes/{programme.pk}/compliance/"


def test_pairing_deadline_reminds_again_on_the_day(city, programme, run) -> None:
    run("2026-11-15")
    note = Notification.objects.get(user=city.department_admin)
    assert note.kind == reminder_kind("pairing", programme, date(2026, 11, 15))
    assert note.title.startswith("今天是")


def test_department_that_meets_the_quota_is_not_nagged(city, programme, run) -> None:
    _pairing(city, programme, city.branch, city.community)  # 1 of 2 branches (50%)
    MembershipFactory(user=city.student2, org=city.branch, role=Role.STUDENT)  # both students in
    run("2026-11-08")
    assert _reminders() == {}


@pytest.mark.parametrize(
    "day", ["2026-11-07", "2026-11-09", "2026-11-14", "2026-11-16", "2026-12-30"]
)
def test_nothing_is_sent_on_other_days(city, programme, run, day) -> None:  # type: ignore[no-untyped-def]
    _pairing(city, programme, city.branch, city.community)
    summary = run(day)
    assert summary["notifications"] == 0 and summary["reminders"] == []
    assert _reminders() == {}


def test_running_twice_on_one_day_sends_nothing_new(city, programme, run) -> None:
    assert run("2026-11-08")["notifications"] == 2
    assert run("2026-11-08")["notifications"] == 0
    assert Notification.objects.filter(kind__startswith="programme.reminder").count() == 2
    # an admin appointed in between still gets the day's reminder, once
    late = UserFactory(name="新任系团委管理员")
    MembershipFactory(user=late, org=city.department, role=Role.DEPARTMENT_ADMIN)
    assert run("2026-11-08")["notifications"] == 1
    assert run("2026-11-08")["notifications"] == 0
    assert Notification.objects.filter(user=late).count() == 1


def test_closed_programme_sends_nothing(city, programme, run) -> None:
    programme.state = programme.State.CLOSED
    programme.save(update_fields=["state"])
    assert run("2026-11-08")["notifications"] == 0


def test_reminder_is_in_the_recipients_language(city, programme, run) -> None:
    city.department_admin.language = "en"
    city.department_admin.save(update_fields=["language"])
    run("2026-11-08")
    note = Notification.objects.get(user=city.department_admin)
    assert note.title.startswith("7 days to the pairing deadline of")
    assert "1 more branch and 1 more student" in note.body
    assert Notification.objects.get(user=city.university_admin).title.startswith("距")


# --- start deadline -----------------------------------------------------------------------------
def test_start_deadline_reminds_the_side_that_has_not_confirmed(city, programme, run) -> None:
    # unit side confirmed, community side not: the community is reminded
    waiting_for_community = _pairing(city, programme, city.branch, city.community)
    services.pairing_confirm(actor=city.secretary, pairing=waiting_for_community, side="unit")
    # neither side confirmed; branch2 has no secretary, community2 no staff: its department admin
    waiting_for_both = _pairing(city, programme, city.branch2, city.community2)
    # active (both confirmed) and merely proposed pairings concern nobody
    active = _pairing(city, programme, city.branch, city.other_community)
    services.pairing_confirm(actor=city.secretary, pairing=active, side="unit")
    services.pairing_confirm(actor=city.other_staff, pairing=active, side="community")
    _pairing(city, programme, city.branch2, city.community, approve=False)

    summary = run("2026-11-13")

    assert summary["reminders"] == [f"start.{programme.pk}"]
    sent = _reminders()
    assert set(sent) == {city.staff.pk, city.department_admin.pk}
    staff_body = sent[city.staff.pk].body
    assert agreement_number(waiting_for_community) in staff_body and "白沙社区" in staff_body
    assert agreement_number(waiting_for_both) not in staff_body
    dept_body = sent[city.department_admin.pk].body
    assert agreement_number(waiting_for_both) in dept_body and "2024级会计学班团支部" in dept_body
    assert agreement_number(waiting_for_community) not in dept_body
    assert agreement_number(active) not in staff_body + dept_body
    assert "2026年11月20日" in staff_body
    assert sent[city.staff.pk].kind == reminder_kind("start", programme, date(2026, 11, 13))
    # one pairing to confirm: the link goes straight to it
    assert sent[city.staff.pk].url == f"/programmes/pairings/{waiting_for_community.pk}/"


def test_start_deadline_reminds_the_branch_secretary_on_the_day(city, programme, run) -> None:
    pairing = _pairing(city, programme, city.branch, city.community)
    services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    run("2026-11-20")
    sent = _reminders("programme.reminder.start")
    assert set(sent) == {city.secretary.pk, city.department_admin.pk}
    assert sent[city.secretary.pk].title.startswith("今天是")
    # two pairings waiting for the branch side: the link is the list of approved pairings
    _pairing(city, programme, city.branch, city.community2)
    Notification.objects.all().delete()
    run("2026-11-20")
    assert Notification.objects.get(user=city.secretary).url == (
        f"/programmes/pairings/?programme={programme.pk}&state=approved"
    )


# --- case deadline ------------------------------------------------------------------------------
def test_case_deadline_reminds_every_department_admin_of_the_requirement(
    city, programme, good_department, run
) -> None:
    _, _, dept2_admin = good_department
    run("2026-12-24")
    sent = _reminders()
    assert set(sent) == {city.department_admin.pk, dept2_admin.pk}
    body = sent[city.department_admin.pk].body
    assert "3个典型案例" in body and "并非已提交案例的统计" in body
    assert "共青团青州学院经济管理系委员会" in body
    assert "外国语系" in sent[dept2_admin.pk].body
    assert sent[dept2_admin.pk].kind == reminder_kind("cases", programme, date(2026, 12, 24))


def test_no_case_reminder_when_the_programme_requires_none(city, programme, run) -> None:
    programme.cases_per_department = 0
    programme.save(update_fields=["cases_per_department"])
    assert run("2026-12-24")["notifications"] == 0


# --- the day is the local day -------------------------------------------------------------------
def test_default_day_is_today_in_shanghai(
    city, programme, django_capture_on_commit_callbacks
) -> None:
    before_midnight = datetime(2026, 11, 7, 15, 59, tzinfo=UTC)  # 23:59 on 7 Nov in Shanghai
    after_midnight = datetime(2026, 11, 7, 16, 1, tzinfo=UTC)  # 00:01 on 8 Nov in Shanghai
    with (
        mock.patch("django.utils.timezone.now", return_value=before_midnight),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_deadline_reminders.enqueue().return_value["notifications"] == 0
    with (
        mock.patch("django.utils.timezone.now", return_value=after_midnight),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_deadline_reminders.enqueue().return_value["date"] == "2026-11-08"
    assert (
        Notification.objects.filter(
            kind=reminder_kind("pairing", programme, date(2026, 11, 8))
        ).count()
        == 2
    )


# --- the command --------------------------------------------------------------------------------
def test_remind_command_enqueues_the_task(
    city, programme, django_capture_on_commit_callbacks
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind", "--date", "2026-11-08", stdout=out)
    assert "2026-11-08" in out.getvalue() and "2" in out.getvalue()
    assert Notification.objects.filter(kind__startswith="programme.reminder.pairing").count() == 2


def test_remind_command_rejects_a_bad_date(db) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("remind", "--date", "15/11/2026")

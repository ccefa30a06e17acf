"""Races on points, rewards and venues, on both databases (the set-up of
qingshe/duty/tests/test_concurrency.py: PostgreSQL in this process with one connection per
thread, SQLite in a subprocess on a fresh database file in WAL mode with IMMEDIATE transactions):

- 100 students, each with enough points, redeem the last item of a reward at once: exactly one
  succeeds, the others are told it is sold out; the stock is 0, never negative; the winner paid.
- One student with points for one reward redeems 20 different rewards at once: exactly one
  succeeds, the others are told the points are not enough; the balance is 0, never negative.
- 30 bookings of the same venue at overlapping times at once: exactly one is made.
- The same confirmed hours awarded by 10 retried tasks at once: paid once.

Every scenario ends with the points ledger's own check (services_points.points_problems) clean.
The points are earned through duty (sign-up, roll call, confirmation), as in life.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from qingshe.core.tests.sqlite_races import run_on_fresh_sqlite
from qingshe.duty.tests.test_concurrency import PG_CONNECTIONS, _race


def _weekday_before(today: date, back: int) -> date:
    day = today
    while back > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            back -= 1
    return day


def _world(tag: str, *, students: int, minutes: int = 60) -> SimpleNamespace:
    """A city with a community, a branch of `students` students who each served `minutes` at
    one activity (10 points an hour), a partner unit and its contact. Built through the
    services; the points come from the hours ledger's task."""
    from qingshe.accounts.tests.factories import UserFactory
    from qingshe.credit import services_points
    from qingshe.credit.models import RuleKind
    from qingshe.duty import services as duty
    from qingshe.orgs.models import OrgKind, Role
    from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

    o, w = OrganisationFactory, SimpleNamespace()
    w.city = o(kind=OrgKind.CITY_COMMITTEE, name=f"{tag}市团委")
    district = o(kind=OrgKind.DISTRICT_COMMITTEE, name=f"{tag}区团委", parent=w.city)
    street = o(kind=OrgKind.STREET, name=f"{tag}街道", parent=district)
    w.community = o(kind=OrgKind.COMMUNITY, name=f"{tag}社区", parent=street)
    university = o(kind=OrgKind.UNIVERSITY_COMMITTEE, name=f"{tag}学院团委", parent=w.city)
    department = o(kind=OrgKind.DEPARTMENT_COMMITTEE, name=f"{tag}系团委", parent=university)
    branch = o(kind=OrgKind.CLASS_BRANCH, name=f"{tag}班团支部", parent=department)
    w.partner = o(kind=OrgKind.PARTNER, name=f"{tag}爱心企业", parent=w.city)

    def person(name: str, org: Any, role: str) -> Any:
        user = UserFactory(name=name)
        MembershipFactory(user=user, org=org, role=role)
        return user

    w.admin = person(f"{tag}管理员", w.city, Role.LEAGUE_ADMIN)
    w.staff = person(f"{tag}社工", w.community, Role.COMMUNITY_STAFF)
    secretary = person(f"{tag}团支书", branch, Role.BRANCH_SECRETARY)
    w.contact = person(f"{tag}伙伴联系人", w.partner, Role.PARTNER_CONTACT)
    w.students = [person(f"{tag}学生{i}", branch, Role.STUDENT) for i in range(students)]
    services_points.rule_set(
        actor=w.admin,
        owner=w.city,
        kind=RuleKind.PER_HOUR,
        name="时长积分",
        points=10,
        active_from=date(2020, 1, 1),
    )
    w.activity = duty.activity_create(
        actor=w.staff, organiser=w.community, title=f"{tag}敬老服务", requires_insurance=False
    )
    day = _weekday_before(timezone.localdate(), 2)
    start = timezone.make_aware(datetime.combine(day, time(9)))
    shift = duty.shift_add(
        actor=w.staff,
        activity=w.activity,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=max(students, 1),
        leader=secretary,
    )
    for s in w.students:
        duty.shift_sign_up(actor=s, shift=shift, now=start - timedelta(days=1))
        attendance = duty.roll_call(
            actor=secretary,
            shift=shift,
            user=s,
            checkin_at=start,
            checkout_at=start + timedelta(minutes=minutes),
        )
        duty.attendance_confirm(actor=w.staff, attendance=attendance)
    return w


def _reward(w: SimpleNamespace, *, title: str, price: int, stock: int, limit: int = 1) -> Any:
    from qingshe.credit import services_rewards

    today = timezone.localdate()
    return services_rewards.reward_create(
        actor=w.contact,
        partner=w.partner,
        kind="goods",
        title=title,
        price=price,
        stock=stock,
        per_person_limit=limit,
        valid_from=today,
        valid_until=today + timedelta(days=10),
    )


def _problems() -> list[str]:
    from qingshe.credit.services_points import points_problems

    return [str(p) for p in points_problems()[0]]


def _balances(users: list[Any]) -> dict[int, int]:
    from qingshe.credit.services_points import balance_of

    return {u.pk: balance_of(u) for u in users}


# --- the scenarios (each returns plain data) ----------------------------------------------------
def scenario_last_item(*, people: int = 100, gate: int | None = None) -> dict:
    from qingshe.credit import services_rewards
    from qingshe.credit.models import Redemption, Reward

    w = _world("末件", students=people)
    reward = _reward(w, title="最后一张电影票", price=10, stock=1)
    before = _balances(w.students)

    def work(i: int) -> str:
        return services_rewards.reward_redeem(actor=w.students[i], reward=reward).code

    outcomes = _race(people, work, gate=gate)
    reward = Reward.objects.get(pk=reward.pk)
    return {
        "outcomes": outcomes,
        "before": list(before.values()),
        "after": _balances(w.students),
        "users": [u.pk for u in w.students],
        "stock": reward.stock,
        "redemptions": list(
            Redemption.objects.filter(reward=reward).values_list("user_id", "code")
        ),
        "problems": _problems(),
    }


def check_last_item(r: dict) -> None:
    codes = [o for o in r["outcomes"] if isinstance(o, str)]
    refusals = [o for o in r["outcomes"] if isinstance(o, dict)]
    assert len(codes) == 1, r["outcomes"][:5]
    assert refusals == [{"error": "out_of_stock"}] * (len(r["outcomes"]) - 1), refusals[:5]
    assert r["stock"] == 0 and len(r["redemptions"]) == 1
    winner, code = r["redemptions"][0]
    assert code == codes[0]
    assert set(r["before"]) == {10}
    after = {int(k): v for k, v in r["after"].items()}
    assert after[winner] == 0 and all(v == 10 for u, v in after.items() if u != winner)
    assert r["problems"] == []


def scenario_one_purse(*, rewards: int = 20, gate: int | None = None) -> dict:
    from qingshe.credit import services_rewards
    from qingshe.credit.models import Redemption

    w = _world("独钱", students=1)
    student = w.students[0]
    items = [_reward(w, title=f"礼品{i}", price=10, stock=5) for i in range(rewards)]

    def work(i: int) -> str:
        return services_rewards.reward_redeem(actor=student, reward=items[i]).code

    outcomes = _race(rewards, work, gate=gate)
    return {
        "outcomes": outcomes,
        "balance": _balances([student])[student.pk],
        "redemptions": Redemption.objects.filter(user=student).count(),
        "problems": _problems(),
    }


def check_one_purse(r: dict) -> None:
    codes = [o for o in r["outcomes"] if isinstance(o, str)]
    assert len(codes) == 1 and r["redemptions"] == 1, r["outcomes"][:5]
    assert [o for o in r["outcomes"] if not isinstance(o, str)] == [
        {"error": "not_enough_points"}
    ] * (len(r["outcomes"]) - 1)
    assert r["balance"] == 0
    assert r["problems"] == []


def scenario_venue(*, bookers: int = 30, gate: int | None = None) -> dict:
    from qingshe.credit import services_venues
    from qingshe.credit.models import VenueBooking

    w = _world("阵地", students=0)
    venue = services_venues.venue_create(
        actor=w.staff,
        owner=w.community,
        kind="council_hall",
        name="居民议事厅",
        capacity=40,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)],
    )
    day = timezone.localdate() + timedelta(days=3)
    base = timezone.make_aware(datetime.combine(day, time(9)))

    def work(i: int) -> int:
        start = base + timedelta(minutes=i)  # every slot overlaps every other
        return services_venues.booking_create(
            actor=w.staff,
            venue=venue,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            purpose=f"议事会{i}",
            people=20,
            activity=w.activity,
        ).pk

    outcomes = _race(bookers, work, gate=gate)
    return {
        "outcomes": outcomes,
        "booked": list(
            VenueBooking.objects.filter(venue=venue, state="booked").values_list("pk", flat=True)
        ),
    }


def check_venue(r: dict) -> None:
    made = [o for o in r["outcomes"] if isinstance(o, int)]
    assert len(made) == 1 and r["booked"] == made, r["outcomes"][:5]
    assert [o for o in r["outcomes"] if not isinstance(o, int)] == [{"error": "overlap"}] * (
        len(r["outcomes"]) - 1
    )


def scenario_retried_award(*, threads: int = 10, gate: int | None = None) -> dict:
    from qingshe.credit import services_points
    from qingshe.credit.models import LedgerEntry, PointsTransfer

    w = _world("重试", students=1)
    student = w.students[0]
    entry = LedgerEntry.objects.get(user=student)

    def work(_i: int) -> int | None:
        transfer = services_points.award_for_hours_entry(entry_id=entry.pk)
        return transfer.pk if transfer else None

    outcomes = _race(threads, work, gate=gate)
    return {
        "outcomes": outcomes,
        "transfers": list(
            PointsTransfer.objects.filter(hours_entry=entry).values_list("pk", flat=True)
        ),
        "balance": _balances([student])[student.pk],
        "problems": _problems(),
    }


def check_retried_award(r: dict) -> None:
    assert len(r["transfers"]) == 1
    assert r["outcomes"] == [r["transfers"][0]] * len(r["outcomes"])
    assert r["balance"] == 10 and r["problems"] == []


# --- PostgreSQL: in this process ----------------------------------------------------------------
@pytest.mark.postgres
def test_pg_100_students_redeem_the_last_item(transactional_db) -> None:
    assert connection.vendor == "postgresql"
    check_last_item(scenario_last_item(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_one_purse_never_goes_negative(transactional_db) -> None:
    check_one_purse(scenario_one_purse(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_overlapping_bookings_of_a_venue(transactional_db) -> None:
    check_venue(scenario_venue(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_retried_award_pays_once(transactional_db) -> None:
    check_retried_award(scenario_retried_award(gate=PG_CONNECTIONS))


def _check_database_refuses_overlap() -> None:
    """An overlapping booking written straight into the table (not through the service) is
    refused by the database itself; a cancelled booking does not count."""
    from django.db import IntegrityError, transaction

    from qingshe.credit import services_venues
    from qingshe.credit.models import VenueBooking

    w = _world("约束", students=0)
    venue = services_venues.venue_create(
        actor=w.staff,
        owner=w.community,
        kind="gym",
        name="社区健身房",
        capacity=10,
        opening_hours=[{"weekday": d, "start": "06:00", "end": "22:00"} for d in range(7)],
    )
    start = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=2), time(10))
    )
    first = services_venues.booking_create(
        actor=w.staff,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        purpose="健身操",
        people=5,
        activity=w.activity,
    )
    fields = {
        "venue": venue,
        "purpose": "插队",
        "people": 1,
        "activity": w.activity,
        "booked_by": w.staff,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        VenueBooking.objects.create(
            starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=3), **fields
        )
    # Touching ends are not an overlap ([start, end)); a cancelled booking frees its time.
    VenueBooking.objects.create(
        starts_at=start + timedelta(hours=2), ends_at=start + timedelta(hours=3), **fields
    )
    VenueBooking.objects.filter(pk=first.pk).update(state="cancelled")
    VenueBooking.objects.create(starts_at=start, ends_at=start + timedelta(hours=1), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        VenueBooking.objects.filter(pk=first.pk).update(state="booked")


def test_the_database_refuses_an_overlap_written_behind_the_service(db) -> None:
    """On SQLite the trigger, on PostgreSQL (CI's second pass) the exclusion constraint."""
    assert connection.vendor in ("sqlite", "postgresql")
    _check_database_refuses_overlap()


# --- SQLite: a fresh database file in a subprocess ----------------------------------------------
@pytest.fixture(scope="module")
def sqlite_races(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_on_fresh_sqlite(
        tmp_path_factory.mktemp("points-races"),
        "qingshe.credit.tests.test_points_concurrency",
        {
            "last_item": ("scenario_last_item", {}),
            "one_purse": ("scenario_one_purse", {}),
            "venue": ("scenario_venue", {}),
            "retried_award": ("scenario_retried_award", {}),
        },
        timeout=600,
    )


def test_sqlite_100_students_redeem_the_last_item(sqlite_races: dict) -> None:
    check_last_item(sqlite_races["last_item"])


def test_sqlite_one_purse_never_goes_negative(sqlite_races: dict) -> None:
    check_one_purse(sqlite_races["one_purse"])


def test_sqlite_overlapping_bookings_of_a_venue(sqlite_races: dict) -> None:
    check_venue(sqlite_races["venue"])


def test_sqlite_retried_award_pays_once(sqlite_races: dict) -> None:
    check_retried_award(sqlite_races["retried_award"])

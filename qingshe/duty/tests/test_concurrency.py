"""Races on duty: sign-up for the last places, double check-in, a festival burst of check-ins
through group commit (and a failing write in a group), double confirmation, and cancel
with promotion racing new sign-ups. Each invariant is checked on both databases:

- PostgreSQL (`@pytest.mark.postgres`, CI's second pass): the scenarios run in this process
  against the test database, every thread on its own connection (closed at the thread's end).
  PostgreSQL here allows 100 connections (`max_connections`), so 200 threads released by one
  barrier hold at most `PG_CONNECTIONS` connections at a time; the others wait for a slot.
- SQLite: an in-memory database is private to its connection, so the same scenarios run in a
  subprocess against a fresh temporary database file (WAL, IMMEDIATE write transactions, 20 s
  busy timeout, exactly as in settings), migrated first; the tests check what it reports. 200
  sign-ups come from 20 threads doing 10 each, all released by one barrier.

Each scenario returns plain data (rows and outcomes), so one set of checks serves both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.core.tests.sqlite_races import run_on_fresh_sqlite

PG_CONNECTIONS = 50


# --- the world of one scenario ------------------------------------------------------------------
def _world(tag: str, *, students: int, capacity: int) -> SimpleNamespace:
    """A community with two staff, `students` insured students, and one shift of `capacity`
    places in three days (09:00–11:00 local). Built through the services."""
    from qingshe.accounts.tests.factories import UserFactory
    from qingshe.duty import services
    from qingshe.orgs.models import OrgKind, Role
    from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

    w = SimpleNamespace()
    w.city = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name=f"并发{tag}市团委")
    district = OrganisationFactory(
        kind=OrgKind.DISTRICT_COMMITTEE, name=f"并发{tag}区团委", parent=w.city
    )
    street = OrganisationFactory(kind=OrgKind.STREET, name=f"并发{tag}街道", parent=district)
    w.community = OrganisationFactory(kind=OrgKind.COMMUNITY, name=f"并发{tag}社区", parent=street)

    def person(name: str, org: Any, role: str) -> Any:
        user = UserFactory(name=name)
        MembershipFactory(user=user, org=org, role=role)
        return user

    w.admin = person(f"{tag}管理员", w.city, Role.LEAGUE_ADMIN)
    w.staff = person(f"{tag}社工甲", w.community, Role.COMMUNITY_STAFF)
    w.staff2 = person(f"{tag}社工乙", w.community, Role.COMMUNITY_STAFF)
    w.students = [UserFactory(name=f"{tag}学生{i}") for i in range(students)]
    today = timezone.localdate()
    services.insurance_policy_add(
        actor=w.admin,
        holder=w.city,
        insurer="青州人寿",
        policy_no=f"RACE-{tag}",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=300),
        covered=w.students,
    )
    activity = services.activity_create(actor=w.staff, organiser=w.community, title=f"{tag}邻里节")
    day = today + timedelta(days=3)
    w.start = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=9)
    w.shift = services.shift_add(
        actor=w.staff,
        activity=activity,
        starts_at=w.start,
        ends_at=w.start + timedelta(hours=2),
        capacity=capacity,
    )
    return w


def _race(n_threads: int, work: Callable[[int], Any], *, gate: int | None = None) -> list[Any]:
    """Run work(0..n-1) on n threads released together by a barrier. Each thread uses its own
    database connection and closes it at its end; at most `gate` hold a connection at once.
    An outcome is the work's result, {"error": code} for a refusal, {"crash": repr} otherwise
    (dicts, so that they survive the trip through JSON from the SQLite subprocess)."""
    barrier = threading.Barrier(n_threads)
    slots = threading.BoundedSemaphore(gate or n_threads)
    outcomes: list[Any] = [None] * n_threads

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    outcomes[i] = work(i)
                finally:
                    connections.close_all()
        except ServiceError as exc:
            outcomes[i] = {"error": exc.code}
        except Exception as exc:  # noqa: BLE001 - every other failure is a finding
            outcomes[i] = {"crash": repr(exc)}

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a thread is still running after 180 s"
    return outcomes


def _signups(shift: Any) -> list[dict[str, Any]]:
    from qingshe.duty.models import SignUp

    return [
        {"pk": s.pk, "user": s.user_id, "state": s.state, "queue_no": s.queue_no}
        for s in SignUp.objects.filter(shift=shift).order_by("pk")
    ]


# --- the scenarios (each returns plain data) ----------------------------------------------------
def scenario_signup(
    *, people: int = 200, places: int = 10, threads: int = 200, gate: int | None = None
) -> dict:
    """`people` students sign up at once for a shift with `places` places."""
    from qingshe.duty import services

    w = _world("报名", students=people, capacity=places)
    per_thread = people // threads

    def work(i: int) -> list[str]:
        return [
            services.shift_sign_up(actor=w.students[i * per_thread + k], shift=w.shift).state
            for k in range(per_thread)
        ]

    outcomes = _race(threads, work, gate=gate)
    return {"places": places, "people": people, "outcomes": outcomes, "signups": _signups(w.shift)}


def check_signup(r: dict) -> None:
    crashes = [o for o in r["outcomes"] if not isinstance(o, list)]
    assert crashes == [], crashes[:5]
    rows = r["signups"]
    assert len(rows) == r["people"] and len({x["user"] for x in rows}) == r["people"]
    confirmed = [x for x in rows if x["state"] == "confirmed"]
    waitlisted = [x for x in rows if x["state"] == "waitlisted"]
    assert len(confirmed) == r["places"]
    assert len(waitlisted) == r["people"] - r["places"]
    # Queue numbers: distinct, consecutive, in the order the rows were admitted (insert order,
    # which the shift's lock serialises); the first `places` admitted got the places.
    assert [x["queue_no"] for x in rows] == list(range(1, r["people"] + 1))
    assert [x["state"] for x in rows[: r["places"]]] == ["confirmed"] * r["places"]
    # What each caller was told agrees with what was stored.
    told = sorted(s for o in r["outcomes"] for s in o)
    assert told == sorted(x["state"] for x in rows)


def scenario_double_checkin(*, threads: int = 20, gate: int | None = None) -> dict:
    """One person scans the same valid code on 20 threads at once."""
    from qingshe.core.models import AuditEvent
    from qingshe.duty import qr, services
    from qingshe.duty.models import Attendance

    w = _world("签到", students=1, capacity=5)
    student = w.students[0]
    services.shift_sign_up(actor=student, shift=w.shift)
    now = w.start + timedelta(minutes=5)
    token = qr.make_token(shift_id=w.shift.pk, shift_secret=w.shift.qr_secret, now=now.timestamp())

    def work(_i: int) -> int:
        return services.checkin(actor=student, token=token, now=now).pk

    outcomes = _race(threads, work, gate=gate)
    return {
        "outcomes": outcomes,
        "attendances": list(
            Attendance.objects.filter(shift=w.shift, user=student).values_list("pk", flat=True)
        ),
        "audited": AuditEvent.objects.filter(action="attendance.checkin", actor=student).count(),
    }


def check_double_checkin(r: dict) -> None:
    assert len(r["attendances"]) == 1
    assert r["outcomes"] == [r["attendances"][0]] * len(r["outcomes"])
    assert r["audited"] == 1


def scenario_festival_burst(
    *, people: int = 60, threads: int = 30, gate: int | None = None
) -> dict:
    """A festival burst through group commit: `people` signed-up students scan the same code
    on `threads` threads at once (each scans twice: the repeat must answer the same
    attendance), and three strangers without a place scan too."""
    from qingshe.core.models import AuditEvent
    from qingshe.duty import qr, services
    from qingshe.duty.models import Attendance

    w = _world("高峰", students=people + 3, capacity=people)
    signed, strangers = w.students[:people], w.students[people:]
    for student in signed:
        services.shift_sign_up(actor=student, shift=w.shift)
    now = w.start + timedelta(minutes=5)
    token = qr.make_token(shift_id=w.shift.pk, shift_secret=w.shift.qr_secret, now=now.timestamp())
    scanners = [*signed, *strangers]
    per_thread = -(-len(scanners) // threads)
    before = (services._CHECKINS.batches, services._CHECKINS.items)

    def work(i: int) -> list[Any]:
        told = []
        for person in scanners[i * per_thread : (i + 1) * per_thread]:
            try:
                first = services.checkin(actor=person, token=token, now=now)
                again = services.checkin(actor=person, token=token, now=now)
                told.append([person.pk, first.pk, again.pk])
            except ServiceError as exc:
                told.append([person.pk, exc.code])
        return told

    outcomes = _race(threads, work, gate=gate)
    rows = list(Attendance.objects.filter(shift=w.shift).values_list("user_id", "pk"))
    return {
        "outcomes": outcomes,
        "signed": [u.pk for u in signed],
        "strangers": [u.pk for u in strangers],
        "attendances": rows,
        "audited": AuditEvent.objects.filter(
            action="attendance.checkin", object_id__in=[str(pk) for _, pk in rows]
        ).count(),
        "batches": services._CHECKINS.batches - before[0],
        "items": services._CHECKINS.items - before[1],
    }


def check_festival_burst(r: dict) -> None:
    crashes = [o for o in r["outcomes"] if not isinstance(o, list)]
    assert crashes == [], crashes[:5]
    told = {row[0]: row[1:] for o in r["outcomes"] for row in o}
    stored = dict(r["attendances"])
    # One attendance per person with a place, none for the strangers, none doubled.
    assert len(r["attendances"]) == len(stored) == len(r["signed"])
    assert sorted(stored) == sorted(r["signed"])
    # Each person was told their own stored attendance, twice (the repeat is idempotent).
    assert all(told[u] == [stored[u], stored[u]] for u in r["signed"])
    assert all(told[u] == ["not_signed_up"] for u in r["strangers"])
    assert r["audited"] == len(r["signed"])
    # The writes went through the group committer, several scans per commit.
    assert r["items"] >= len(r["signed"]) and r["batches"] < r["items"]


def scenario_group_commit_failure(*, threads: int = 30, gate: int | None = None) -> dict:
    """30 writes handed to one group committer at once, one of which fails: the others are all
    committed, and each caller sees its row committed as soon as it is answered."""
    from qingshe.core.models import AuditEvent
    from qingshe.duty.groupcommit import GroupCommitter

    def write_batch(items: Any) -> list[Any]:
        if "poison" in items:
            raise ValueError("poison")
        AuditEvent.objects.bulk_create(
            [AuditEvent(action="groupcommit.test", object_id=i) for i in items]
        )
        return [f"ok-{i}" for i in items]

    committer = GroupCommitter(write_batch, name="test")
    names = [f"w{i}" for i in range(threads)]
    names[threads // 2] = "poison"

    def work(i: int) -> list[Any]:
        answer = committer.submit(names[i])
        answer = repr(answer) if isinstance(answer, Exception) else answer
        visible = AuditEvent.objects.filter(action="groupcommit.test", object_id=names[i]).exists()
        return [answer, visible]

    try:
        outcomes = _race(threads, work, gate=gate)
    finally:
        committer.stop()
    return {
        "names": names,
        "outcomes": outcomes,
        "stored": sorted(
            AuditEvent.objects.filter(action="groupcommit.test").values_list("object_id", flat=True)
        ),
        "batches": committer.batches,
    }


def check_group_commit_failure(r: dict) -> None:
    by_name = dict(zip(r["names"], r["outcomes"], strict=True))
    assert by_name.pop("poison") == ["ValueError('poison')", False]
    assert all(o == [f"ok-{n}", True] for n, o in by_name.items()), by_name
    assert r["stored"] == sorted(by_name)


def scenario_double_confirm(*, gate: int | None = None) -> dict:
    """Two community staff confirm the same pending attendance at the same moment."""
    from qingshe.core.models import AuditEvent
    from qingshe.duty import qr, services
    from qingshe.duty.hours import credited_hours
    from qingshe.duty.models import Attendance

    w = _world("确认", students=1, capacity=5)
    student = w.students[0]
    services.shift_sign_up(actor=student, shift=w.shift)

    def token(at: datetime) -> str:
        return qr.make_token(
            shift_id=w.shift.pk, shift_secret=w.shift.qr_secret, now=at.timestamp()
        )

    t_in, t_out = w.start + timedelta(minutes=3), w.start + timedelta(minutes=110)
    services.checkin(actor=student, token=token(t_in), now=t_in)
    attendance = services.checkout(actor=student, token=token(t_out), now=t_out)
    staff = [w.staff, w.staff2]

    def work(i: int) -> str:
        services.attendance_confirm(
            actor=staff[i], attendance=Attendance.objects.get(pk=attendance.pk)
        )
        return "ok"

    outcomes = _race(2, work, gate=gate)
    attendance.refresh_from_db()
    return {
        "outcomes": outcomes,
        "state": attendance.state,
        "hours": str(attendance.credited_hours),
        "expected_hours": str(credited_hours(t_in, t_out)),
        "confirmed_by": attendance.confirmed_by_id,
        "staff": [w.staff.pk, w.staff2.pk],
        "audited": AuditEvent.objects.filter(
            action="attendance.confirm", object_id=str(attendance.pk)
        ).count(),
        "credited_total": str(
            sum((a.credited_hours for a in Attendance.objects.filter(user=student)), Decimal("0"))
        ),
    }


def check_double_confirm(r: dict) -> None:
    assert sorted(r["outcomes"], key=str) == sorted(
        ["ok", {"error": "already_confirmed"}], key=str
    ), r["outcomes"]
    assert r["state"] == "confirmed" and r["confirmed_by"] in r["staff"]
    hours = {Decimal(r[k]) for k in ("hours", "expected_hours", "credited_total")}
    assert hours == {Decimal("2.0")}  # 1 h 47 min → 2.0, credited once
    assert r["audited"] == 1


def scenario_cancel_and_promote(
    *, places: int = 10, waiting: int = 10, newcomers: int = 30, gate: int | None = None
) -> dict:
    """A full shift with a waitlist: the confirmed people all cancel while newcomers sign up,
    at once; a watcher counts the confirmed places throughout."""
    from qingshe.duty import services
    from qingshe.duty.models import SignUp

    w = _world("候补", students=places + waiting + newcomers, capacity=places)
    first = w.students[: places + waiting]
    new = w.students[places + waiting :]
    for s in first:
        services.shift_sign_up(actor=s, shift=w.shift)
    cancelling = list(
        SignUp.objects.filter(shift=w.shift, state=SignUp.State.CONFIRMED).order_by("queue_no")
    )
    assert len(cancelling) == places
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        try:
            while not done.is_set():
                seen.append(
                    SignUp.objects.filter(shift=w.shift, state=SignUp.State.CONFIRMED).count()
                )
                time.sleep(0.002)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    def work(i: int) -> str:
        if i < places:
            return services.shift_cancel(actor=cancelling[i].user, signup=cancelling[i]).state
        return services.shift_sign_up(actor=new[i - places], shift=w.shift).state

    outcomes = _race(places + newcomers, work, gate=gate)
    done.set()
    watcher.join(timeout=30)
    return {
        "places": places,
        "waiting_users": [s.pk for s in first[places:]],
        "new_users": [s.pk for s in new],
        "outcomes": outcomes,
        "max_seen": max(seen) if seen else 0,
        "watched": len(seen),
        "signups": _signups(w.shift),
    }


def check_cancel_and_promote(r: dict) -> None:
    crashes = [o for o in r["outcomes"] if not isinstance(o, str)]
    assert crashes == [], crashes[:5]
    assert r["max_seen"] <= r["places"]
    live = [x for x in r["signups"] if x["state"] != "cancelled"]
    confirmed = [x for x in live if x["state"] == "confirmed"]
    assert len(confirmed) == r["places"]
    # The people who were waiting took the freed places, first in line first; no newcomer
    # overtook them (newcomers found the shift full or a waitlist ahead of them).
    assert sorted(x["user"] for x in confirmed) == sorted(r["waiting_users"])
    assert all(x["state"] == "waitlisted" for x in live if x["user"] in r["new_users"])
    assert len({x["queue_no"] for x in r["signups"]}) == len(r["signups"])
    waitlist = [x for x in live if x["state"] == "waitlisted"]
    assert waitlist == sorted(waitlist, key=lambda x: x["queue_no"])


# --- PostgreSQL: in this process ----------------------------------------------------------------
@pytest.mark.postgres
def test_pg_200_sign_ups_for_10_places(transactional_db) -> None:
    assert connection.vendor == "postgresql"
    check_signup(scenario_signup(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_double_checkin(transactional_db) -> None:
    check_double_checkin(scenario_double_checkin(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_festival_burst_through_group_commit(transactional_db) -> None:
    check_festival_burst(scenario_festival_burst(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_group_commit_failure_loses_no_other_write(transactional_db) -> None:
    check_group_commit_failure(scenario_group_commit_failure(gate=PG_CONNECTIONS))


@pytest.mark.postgres
def test_pg_double_confirmation(transactional_db) -> None:
    check_double_confirm(scenario_double_confirm())


@pytest.mark.postgres
def test_pg_cancel_and_promote_race_new_sign_ups(transactional_db) -> None:
    check_cancel_and_promote(scenario_cancel_and_promote(gate=PG_CONNECTIONS))


# --- SQLite: a fresh database file in a subprocess ----------------------------------------------
@pytest.fixture(scope="module")
def sqlite_races(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_on_fresh_sqlite(
        tmp_path_factory.mktemp("races"),
        "qingshe.duty.tests.test_concurrency",
        {
            "signup": ("scenario_signup", {"threads": 20}),
            "double_checkin": ("scenario_double_checkin", {}),
            "festival_burst": ("scenario_festival_burst", {}),
            "group_commit_failure": ("scenario_group_commit_failure", {}),
            "double_confirm": ("scenario_double_confirm", {}),
            "cancel_and_promote": ("scenario_cancel_and_promote", {}),
        },
        timeout=300,
    )


def test_sqlite_200_sign_ups_for_10_places(sqlite_races: dict) -> None:
    check_signup(sqlite_races["signup"])


def test_sqlite_double_checkin(sqlite_races: dict) -> None:
    check_double_checkin(sqlite_races["double_checkin"])


def test_sqlite_festival_burst_through_group_commit(sqlite_races: dict) -> None:
    check_festival_burst(sqlite_races["festival_burst"])


def test_sqlite_group_commit_failure_loses_no_other_write(sqlite_races: dict) -> None:
    check_group_commit_failure(sqlite_races["group_commit_failure"])


def test_sqlite_double_confirmation(sqlite_races: dict) -> None:
    check_double_confirm(sqlite_races["double_confirm"])


def test_sqlite_cancel_and_promote_race_new_sign_ups(sqlite_races: dict) -> None:
    check_cancel_and_promote(sqlite_races["cancel_and_promote"])

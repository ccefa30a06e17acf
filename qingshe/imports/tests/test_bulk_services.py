"""The bulk paths an import saves through (accounts and orgs services) keep the rules of the
single-row services while writing rows straight into their tables."""

from __future__ import annotations

import gc
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.utils import timezone

from qingshe.accounts import services as accounts
from qingshe.accounts.models import ConsentRecord, StudentProfile, User
from qingshe.accounts.services import (
    NewPerson,
    NewStudentProfile,
    insert_rows,
    rows_where_in,
    student_profiles_bulk_create,
    users_bulk_create,
)
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.imports import samples, services, writer
from qingshe.imports.models import ImportJob
from qingshe.imports.tests.conftest import rows, workbook_bytes
from qingshe.lib import crypto, ids
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.orgs.services import NewOrg, memberships_bulk_grant, org_create, orgs_bulk_create

pytestmark = pytest.mark.django_db


def _person(n: int, **kw: Any) -> NewPerson:
    return NewPerson(name=f"导入{n}", phone=f"1710000{n:04d}", volunteer_no=f"QS2026{n:07d}", **kw)


# --- insert_rows and rows_where_in --------------------------------------------------------------
def test_insert_rows_writes_what_the_orm_would_and_returns_keys_in_order(
    city: SimpleNamespace,
) -> None:
    born = date(2004, 5, 6)
    values = [
        ("甲", "17100000001", None, "QS20260000001", "F", born, b"\x01secret", "d1", "1*", "!x"),
        ("乙", "17100000002", None, "QS20260000002", "", None, None, None, "", "!y"),
    ]
    keys = insert_rows(User, accounts._USER_COLUMNS, values)
    assert keys == sorted(keys) and len(keys) == 2
    first, second = (User.objects.get(pk=k) for k in keys)
    assert first.id_number_cipher is not None
    assert (first.name, first.birth_date, bytes(first.id_number_cipher), first.sex) == (
        "甲",
        born,
        b"\x01secret",
        "F",
    )
    # Fields the rows do not give get their defaults, as bulk_create would give them.
    assert first.is_active and not first.is_staff and first.email == ""
    assert first.language == User._meta.get_field("language").get_default()
    assert abs(timezone.now() - first.date_joined).total_seconds() < 60
    assert second.birth_date is None and second.id_number_digest is None
    # Profiles: a JSON column and timestamps; instances as from_db builds them.
    [profile] = insert_rows(
        StudentProfile,
        accounts._PROFILE_COLUMNS,
        [
            (
                first.pk,
                city.university.pk,
                city.department.pk,
                city.branch.pk,
                "社会工作",
                2024,
                "s1",
                [{"weekday": 1, "start": "08:00", "end": "09:40", "label": ""}],
                "",
            )
        ],
        instances=True,
    )
    assert not profile._state.adding and profile.created_at is not None
    stored = StudentProfile.objects.get(pk=profile.pk)
    assert stored.busy_slots == profile.busy_slots and stored.grade == 2024


def test_insert_rows_refuses_unknown_fields_and_ragged_rows() -> None:
    with pytest.raises(ValueError, match="no field"):
        insert_rows(ConsentRecord, ("user_id",), [(1,)], same={"nonsense": 1})
    with pytest.raises(ValueError, match="every row"):
        insert_rows(ConsentRecord, ("user_id", "purpose"), [(1,)])


def test_statements_use_django_placeholders_while_queries_are_logged(
    city: SimpleNamespace, django_assert_num_queries: Any
) -> None:
    # The debug cursor formats logged statements with %: they get %s, and still work.
    with django_assert_num_queries(1) as captured:
        insert_rows(
            Membership,
            ("user_id", "org_id", "role"),
            [(city.student.pk, city.branch2.pk, "student")],
        )
    assert "%s" not in captured.captured_queries[0]["sql"]
    assert Membership.objects.filter(user=city.student, org=city.branch2).exists()
    assert accounts._param_marker(connection) == ("?" if connection.vendor == "sqlite" else "%s")


def test_rows_where_in_looks_up_in_chunks_and_within_among(
    city: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "_LOOKUP_CHUNK", 2)
    phones = [city.student.phone, city.student2.phone, city.secretary.phone, "19999999999"]
    found = rows_where_in(User, ("phone", "name"), "phone", phones)
    assert sorted(found) == sorted(
        (u.phone, u.name) for u in (city.student, city.student2, city.secretary)
    )
    ids_ = [city.student.pk, city.student2.pk]
    only_branch = rows_where_in(
        Membership, ("user_id",), "user_id", ids_, among={"org_id": [city.branch.pk]}
    )
    assert only_branch == [(city.student.pk,)]
    assert rows_where_in(Membership, ("user_id",), "user_id", ids_, among={"org_id": []}) == []
    with pytest.raises(ValueError, match="text and integer"):
        rows_where_in(User, ("birth_date",), "phone", phones)


# --- users ----------------------------------------------------------------------------------------
def test_an_id_number_checked_by_the_caller_is_stored_as_one_parsed_here() -> None:
    number = samples.id_number(7)
    rid = ids.parse_resident_id(number)
    parsed, given = users_bulk_create(
        actor=None,
        people=[_person(1, id_number=number), _person(2)],
        consent_purposes=(),
    )
    User.objects.filter(pk=parsed.pk).delete()
    [checked] = users_bulk_create(
        actor=None, people=[_person(3, resident_id=rid)], consent_purposes=()
    )
    stored = User.objects.get(pk=checked.pk)
    key = settings.QINGSHE_FIELD_KEY
    assert stored.id_number_cipher is not None
    cipher = bytes(stored.id_number_cipher)
    assert crypto.decrypt(cipher, secret=key, context="user.id_number") == number
    assert stored.id_number_digest == accounts.id_number_digest(number)
    assert (stored.id_number_masked, stored.birth_date, stored.sex) == (
        rid.masked,
        rid.birth_date,
        rid.sex,
    )
    assert given.id_number_digest is None
    with pytest.raises(ValueError, match="not both"):
        users_bulk_create(actor=None, people=[_person(4, id_number=number, resident_id=rid)])
    # The checks that follow from the ID number still apply: a child needs a guardian.
    child = ids.ResidentId(number="x" * 18, birth_date=date.today().replace(day=1), sex="M")
    with pytest.raises(ValidationFailed):
        users_bulk_create(actor=None, people=[_person(5, resident_id=child)], consent_purposes=())
    # And the duplicate checks: the same ID number twice.
    with pytest.raises(Conflict):
        users_bulk_create(
            actor=None,
            people=[_person(6, resident_id=rid), _person(7, resident_id=rid)],
            consent_purposes=(),
        )


def test_unusable_passwords_are_unusable_and_all_different() -> None:
    users = users_bulk_create(actor=None, people=[_person(i) for i in range(20)])
    stored = list(User.objects.filter(pk__in=[u.pk for u in users]))
    assert not any(u.has_usable_password() for u in stored)
    assert not any(check_password("", u.password) for u in stored)
    assert len({u.password for u in stored}) == 20
    assert all(len(u.password) == 41 and u.password.startswith("!") for u in stored)
    assert ConsentRecord.objects.filter(user__in=stored).count() == 20


def test_volunteer_numbers_drawn_in_bulk_look_like_single_ones() -> None:
    numbers = accounts.generate_volunteer_nos(5000)
    single = accounts.generate_volunteer_no()
    assert len(numbers) == 5000 and len(set(numbers)) > 4990
    assert {n[:6] for n in numbers} == {single[:6]}
    assert all(len(n) == 13 and n[6:].isdigit() for n in numbers)
    # Every digit position varies (uniform draws, not a counter).
    assert all(len({n[i] for n in numbers}) == 10 for i in range(6, 13))


# --- profiles and memberships without returning objects -----------------------------------------
def test_profiles_and_memberships_can_be_written_without_building_objects(
    city: SimpleNamespace,
) -> None:
    users = users_bulk_create(actor=None, people=[_person(i) for i in range(5)])
    none = student_profiles_bulk_create(
        actor=city.league_admin,
        rows=[
            NewStudentProfile(
                user=u, branch=city.branch, major="会计学", grade=2024, skills=["摄影"]
            )
            for u in users
        ],
        batch_size=2,
        returning=False,
    )
    assert none == []
    profiles = StudentProfile.objects.filter(user__in=users).order_by("pk")
    assert [p.department_id for p in profiles] == [city.department.pk] * 5
    assert all(p.skills.count() == 1 for p in profiles)
    events = AuditEvent.objects.filter(action="student_profile.bulk_create").order_by("pk")
    assert [(e.data["count"], e.data["first_id"], e.data["last_id"]) for e in events] == [
        (2, profiles[0].pk, profiles[1].pk),
        (2, profiles[2].pk, profiles[3].pk),
        (1, profiles[4].pk, profiles[4].pk),
    ]
    assert (
        memberships_bulk_grant(
            actor=city.league_admin,
            grants=[(u, city.branch, Role.STUDENT) for u in users],
            returning=False,
        )
        == []
    )
    granted = Membership.objects.filter(user__in=users, org=city.branch, role=Role.STUDENT)
    assert granted.count() == 5 and all(m.is_active for m in granted)
    event = AuditEvent.objects.get(action="membership.bulk_grant")
    assert event.org_id == city.branch.pk and event.data["roles"] == [Role.STUDENT]
    with pytest.raises(Conflict):
        memberships_bulk_grant(actor=None, grants=[(users[0], city.branch, Role.STUDENT)])


# --- organisations --------------------------------------------------------------------------------
def test_orgs_bulk_create_builds_the_tree_as_org_create_does(city: SimpleNamespace) -> None:
    law = NewOrg(
        kind=OrgKind.DEPARTMENT_COMMITTEE,
        name=" 共青团青州学院法学系委员会 ",
        parent=city.university,
        short_name="法学系团委",
    )
    rows_ = [
        law,
        NewOrg(kind=OrgKind.CLASS_BRANCH, name="2024级法学1班团支部", parent=law),
        NewOrg(kind=OrgKind.CLASS_BRANCH, name="2024级会计学2班团支部", parent=city.department),
        NewOrg(kind=OrgKind.CLASS_BRANCH, name="2024级法学2班团支部", parent=law),
    ]
    created = orgs_bulk_create(actor=city.league_admin, rows=rows_)
    single = org_create(
        actor=city.league_admin,
        kind=OrgKind.CLASS_BRANCH,
        name="2024级法学3班团支部",
        parent=created[0],
    )
    stored = {o.pk: o for o in Organisation.objects.filter(pk__in=[o.pk for o in created])}
    department, first, other, second = (stored[o.pk] for o in created)
    assert department.name == "共青团青州学院法学系委员会" and department.short_name == "法学系团委"
    assert department.path == f"{city.university.path}{department.pk}/"
    assert first.path == f"{department.path}{first.pk}/" == created[1].path
    assert (
        other.path == f"{city.department.path}{other.pk}/"
        and other.depth == city.department.depth + 1
    )
    assert (first.parent_id, second.parent_id, first.depth) == (
        department.pk,
        department.pk,
        department.depth + 1,
    )
    assert single.path == f"{department.path}{single.pk}/"
    events = AuditEvent.objects.filter(
        action="org.create", object_id__in=[str(o.pk) for o in created]
    )
    assert sorted((e.object_type, e.org_id, e.actor_id) for e in events) == sorted(
        ("orgs.organisation", o.pk, city.league_admin.pk) for o in created
    )


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda c: [NewOrg(kind="nonsense", name="x", parent=c.university)], ValidationFailed),
        (
            lambda c: [NewOrg(kind=OrgKind.CLASS_BRANCH, name="x", parent=c.university)],
            ValidationFailed,
        ),
        (
            lambda c: [NewOrg(kind=OrgKind.CLASS_BRANCH, name="  ", parent=c.department)],
            ValidationFailed,
        ),
        (
            lambda c: [NewOrg(kind=OrgKind.CLASS_BRANCH, name=c.branch.name, parent=c.department)],
            Conflict,
        ),
        (
            lambda c: [
                NewOrg(kind=OrgKind.CLASS_BRANCH, name="同名", parent=c.department),
                NewOrg(kind=OrgKind.CLASS_BRANCH, name="同名", parent=c.department),
            ],
            Conflict,
        ),
    ],
)
def test_orgs_bulk_create_refuses_what_org_create_refuses(
    city: SimpleNamespace, make: Any, error: type[Exception]
) -> None:
    before = Organisation.objects.count()
    with pytest.raises(error):
        orgs_bulk_create(actor=None, rows=make(city))
    assert Organisation.objects.count() == before


def test_orgs_bulk_create_checks_who_asks_and_the_order(city: SimpleNamespace) -> None:
    before = Organisation.objects.count()
    with pytest.raises(AccessDenied):
        orgs_bulk_create(
            actor=city.university_admin,
            rows=[NewOrg(kind=OrgKind.DISTRICT_COMMITTEE, name="新区团委", parent=city.city)],
        )
    parent = NewOrg(kind=OrgKind.DEPARTMENT_COMMITTEE, name="新系团委", parent=city.university)
    with pytest.raises(ValueError, match="before"):
        orgs_bulk_create(
            actor=None,
            rows=[NewOrg(kind=OrgKind.CLASS_BRANCH, name="新班", parent=parent), parent],
        )
    assert Organisation.objects.count() == before


# --- the import around them -----------------------------------------------------------------------
def test_an_import_pauses_the_garbage_collector_only_while_it_runs(
    city: SimpleNamespace, run_import: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    check = services._check

    def watching(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return check(*args)

    monkeypatch.setattr(services, "_check", watching)
    assert gc.isenabled()
    job = run_import(workbook_bytes(students=rows(3)))
    assert job.state == ImportJob.State.DONE and seen == [False] and gc.isenabled()


def test_saving_on_sqlite_restores_the_connection_cache_size(
    city: SimpleNamespace, run_import: Any
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
    job = run_import(workbook_bytes(students=rows(3)))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone() == (before,)
    assert job.students_created == 3 and writer.SQLITE_CACHE_KIB * 1024 > 2_000_000

"""The bulk services added for the demo city keep the single-row services' rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qingshe.accounts.models import ConsentRecord, StudentProfile, User
from qingshe.accounts.services import (
    GuardianConsent,
    NewPerson,
    NewStudentProfile,
    student_profiles_bulk_create,
    user_create,
    users_bulk_create,
)
from qingshe.core.errors import Conflict, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.orgs.models import Membership, Role
from qingshe.orgs.services import memberships_bulk_grant

pytestmark = pytest.mark.django_db


def _person(n: int, **kw: object) -> NewPerson:
    return NewPerson(name=f"批量{n}", phone=f"1700999{n:04d}", volunteer_no=f"QS2026{n:07d}", **kw)  # type: ignore[arg-type]


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=1)


def test_users_bulk_create_writes_users_consents_and_one_audit_per_batch() -> None:
    users = users_bulk_create(actor=None, people=[_person(i) for i in range(5)], batch_size=2)
    assert len(users) == 5 and all(u.pk for u in users)
    assert ConsentRecord.objects.filter(user__in=users).count() == 5
    assert AuditEvent.objects.filter(action="user.bulk_create").count() == 3
    assert not any(u.has_usable_password() for u in users)


def test_users_bulk_create_refuses_duplicates_and_bad_phones() -> None:
    with pytest.raises(Conflict):
        users_bulk_create(actor=None, people=[_person(1), _person(1)])
    user_create(name="已有", phone="17009990002")
    with pytest.raises(Conflict):
        users_bulk_create(actor=None, people=[_person(2)])
    with pytest.raises(ValidationFailed):
        users_bulk_create(
            actor=None,
            people=[NewPerson(name="错号", phone="12345678901", volunteer_no="QS20260000001")],
        )
    assert not User.objects.filter(name__startswith="批量").exists()


def test_users_bulk_create_needs_a_guardian_for_minors() -> None:
    with pytest.raises(ValidationFailed):
        users_bulk_create(actor=None, people=[_person(1, birth_date=_years_ago(10))])
    [child] = users_bulk_create(
        actor=None,
        people=[_person(1, birth_date=_years_ago(10), guardian=GuardianConsent("王芳", "母亲"))],
    )
    assert ConsentRecord.objects.get(user=child).guardian_name == "王芳"


def test_student_profiles_and_memberships_in_bulk(city) -> None:  # type: ignore[no-untyped-def]
    users = users_bulk_create(actor=None, people=[_person(i) for i in range(3)])
    profiles = student_profiles_bulk_create(
        actor=None,
        rows=[
            NewStudentProfile(
                user=u, branch=city.branch, major="旅游管理", grade=2024, skills=["摄影", "急救"]
            )
            for u in users
        ],
    )
    assert {(p.university_id, p.department_id) for p in profiles} == {
        (city.university.pk, city.department.pk)
    }
    assert StudentProfile.objects.get(user=users[0]).skills.count() == 2
    memberships_bulk_grant(actor=None, grants=[(u, city.branch, Role.STUDENT) for u in users])
    assert (
        Membership.objects.filter(org=city.branch, role=Role.STUDENT, user__in=users).count() == 3
    )
    event = AuditEvent.objects.get(action="membership.bulk_grant")
    assert event.org_id == city.branch.pk
    with pytest.raises(Conflict):
        memberships_bulk_grant(actor=None, grants=[(users[0], city.branch, Role.STUDENT)])
    with pytest.raises(ValidationFailed):
        memberships_bulk_grant(actor=None, grants=[(users[0], city.community, Role.STUDENT)])
    with pytest.raises(Conflict):
        student_profiles_bulk_create(
            actor=None,
            rows=[NewStudentProfile(user=users[0], branch=city.branch, major="x", grade=2024)],
        )

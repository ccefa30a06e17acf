"""Fixtures of the care tests: the small test city plus a care role, a supervisor, a child with
the guardian's consent on file and a caring tutor's relationship."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.care import services
from qingshe.care.services import ConsentIn
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

CHILD_ID = "350402201505120012"  # valid checksum, born 2015-05-12
CHILD_PHONE = "13812345678"
GUARDIAN_PHONE = "13987654321"


def child_kwargs(**over: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "kind": "migrant_child",
        "name": "林小雨",
        "birth_date": None,
        "id_number": CHILD_ID,
        "phone": "",
        "address": "白沙社区3号楼2单元501",
        "guardian_name": "林大山",
        "guardian_phone": GUARDIAN_PHONE,
        "needs": "数学辅导，周末无人看护",
        "consent": ConsentIn(given_by="guardian", guardian_relation="祖父"),
    }
    kw.update(over)
    return kw


@pytest.fixture
def care(city: SimpleNamespace) -> SimpleNamespace:
    c = city
    c.community_secretary = UserFactory(name="社区团委书记")
    MembershipFactory(user=c.community_secretary, org=c.community, role=Role.COMMUNITY_SECRETARY)
    services.care_role_grant(actor=c.community_secretary, user=c.staff, community=c.community)
    c.care_staff = c.staff
    c.supervisor = UserFactory(name="督导员")
    MembershipFactory(user=c.supervisor, org=c.community, role=Role.COMMUNITY_STAFF)
    c.staff_without_care = UserFactory(name="普通社工")
    MembershipFactory(user=c.staff_without_care, org=c.community, role=Role.COMMUNITY_STAFF)
    c.tutor = c.student
    c.classmate = UserFactory(name="同班同学")
    MembershipFactory(user=c.classmate, org=c.branch, role=Role.STUDENT)
    c.next_tutor = UserFactory(name="接任同学")
    MembershipFactory(user=c.next_tutor, org=c.branch, role=Role.STUDENT)
    c.child = services.beneficiary_create(
        actor=c.care_staff, community=c.community, **child_kwargs()
    )
    today = timezone.localdate()
    c.relationship = services.relationship_create(
        actor=c.care_staff,
        beneficiary=c.child,
        mode="one_to_one",
        helpers=[c.tutor],
        term_start=today - timedelta(days=60),
        term_end=today + timedelta(days=670),
        goals="数学成绩提高，养成按时完成作业的习惯",
        supervisor=c.supervisor,
        subject="数学",
    )
    return c


def past(days: int = 1, hour: int = 15) -> Any:
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


__all__ = ["CHILD_ID", "CHILD_PHONE", "GUARDIAN_PHONE", "child_kwargs", "date", "past"]

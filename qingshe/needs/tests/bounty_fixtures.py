"""Fixtures of the resource list, bounties and tasks tests: a partner unit with its contact, a
second university, posted bounties, tasks. Import the fixtures a test module uses by name."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.needs import services
from qingshe.needs.models import Need, ProjectGroup, ProjectMember, Resource
from qingshe.needs.tests.conftest import STATEMENT
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

PLAN = "由经管系社会调查项目组负责，两周内完成入户问卷。"


def publish(need: Need, actor: Any) -> Need:
    """The community takes up its own posted bounty (submitted → accepted)."""
    return services.need_accept(actor=actor, need=need, reason="发布")


def post_bounty(
    city: SimpleNamespace,
    title: str = "老旧小区加装电梯意愿调查",
    *,
    community: Any = None,
    actor: Any = None,
) -> Need:
    need = services.need_submit(
        actor=actor or city.staff,
        community=community or city.community,
        title=title,
        project_type="survey",
        service_field="governance",
        work_kind="professional",
        description="入户调查居民意愿并形成报告。",
        people_needed=4,
        is_bounty=True,
    )
    return publish(need, actor or city.staff)


@pytest.fixture
def partner(city: SimpleNamespace) -> Any:
    return OrganisationFactory(
        kind=OrgKind.PARTNER, name="青州爱心超市", parent=city.street, address="白沙路1号"
    )


@pytest.fixture
def partner_contact(partner: Any) -> Any:
    user = UserFactory(name="超市联络人")
    MembershipFactory(user=user, org=partner, role=Role.PARTNER_CONTACT)
    return user


@pytest.fixture
def other_university(city: SimpleNamespace) -> SimpleNamespace:
    uni = OrganisationFactory(
        kind=OrgKind.UNIVERSITY_COMMITTEE,
        name="共青团青州职业技术学院委员会",
        short_name="青州职院团委",
        parent=city.city,
    )
    dept = OrganisationFactory(
        kind=OrgKind.DEPARTMENT_COMMITTEE, name="共青团青州职院护理系委员会", parent=uni
    )
    admin = UserFactory(name="职院团委管理员")
    MembershipFactory(user=admin, org=uni, role=Role.UNIVERSITY_ADMIN)
    return SimpleNamespace(university=uni, department=dept, admin=admin)


@pytest.fixture
def bounty(city: SimpleNamespace) -> Need:
    return post_bounty(city)


@pytest.fixture
def resource(partner: Any, partner_contact: Any) -> Resource:
    return services.resource_create(
        actor=partner_contact,
        owner=partner,
        kind="goods",
        title="积分兑换用生活用品",
        quantity=200,
        unit="份",
        available_from=timezone.localdate(),
        available_until=timezone.localdate() + timedelta(days=90),
    )


@pytest.fixture
def member(city: SimpleNamespace, group: ProjectGroup) -> ProjectMember:
    """The student, an accepted member of the branch's group."""
    m = services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    return services.project_join_decide(actor=city.secretary, member=m, accept=True)

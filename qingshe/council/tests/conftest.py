"""Fixtures of the council tests: the community's council secretary, council members, a panel
member of this community and one of another, needs placed at chosen local times."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.needs import services as need_services
from qingshe.needs.models import Need
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

BASE = {"project_type": "governance", "service_field": "governance"}


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def need_at(
    city: Any,
    title: str,
    when: datetime | None = None,
    *,
    actor: Any = None,
    community: Any = None,
    **kw: Any,
) -> Need:
    """A need submitted through needs' service, then placed at `when` (collection time)."""
    need = need_services.need_submit(
        actor=actor or city.resident,
        community=community or city.community,
        title=title,
        **{**BASE, **kw},
    )
    if when is not None:
        Need.objects.filter(pk=need.pk).update(created_at=when)
        need.refresh_from_db()
    return need


@pytest.fixture
def council(city: SimpleNamespace) -> SimpleNamespace:
    def person(name: str, org: Any, role: str) -> Any:
        user = UserFactory(name=name)
        MembershipFactory(user=user, org=org, role=role)
        return user

    city.council_secretary = person("社区团委书记", city.community, Role.COMMUNITY_SECRETARY)
    city.member = person("议事会成员甲", city.community, Role.COUNCIL_MEMBER)
    city.member2 = person("议事会成员乙", city.community, Role.COUNCIL_MEMBER)
    city.panel = person("评议团成员", city.community, Role.PANEL_MEMBER)
    city.other_panel = person("列西评议团成员", city.other_community, Role.PANEL_MEMBER)
    city.other_member = person("列西议事会成员", city.other_community, Role.COUNCIL_MEMBER)
    city.resident2 = person("居民乙", city.community, Role.RESIDENT)
    city.resident3 = person("居民丙", city.community, Role.RESIDENT)
    return city

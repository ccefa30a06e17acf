"""The dispatch plan list exports the plans it shows (its state filter applied) to Excel; a
dispatcher of another community exports none of them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.tests.export_helpers import sheet
from qingshe.needs.models import DispatchPlan
from qingshe.needs.services import dispatch as ds
from qingshe.needs.tests import dispatch_setup
from qingshe.needs.tests.dispatch_setup import at
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

dsp = dispatch_setup.dsp  # the fixture
pytestmark = pytest.mark.django_db


def _plan(d: SimpleNamespace, days: int = 7) -> DispatchPlan:
    start = at(d.monday, "00:00")
    return ds.dispatch_plan_create(
        actor=d.dispatcher,
        scope=d.city.community,
        horizon_start=start,
        horizon_end=start + timedelta(days=days),
    )


def test_plan_list_export_is_the_page_rows_with_its_filter(
    client: Any, dsp: SimpleNamespace
) -> None:
    d = dsp
    first = _plan(d)
    ds.dispatch_plan_discard(actor=d.dispatcher, plan=first)
    second = _plan(d, days=5)
    url = reverse("dispatch:list")
    client.force_login(d.dispatcher)
    assert "export=xlsx" in client.get(url).content.decode()
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][:3] == ["编号", "范围", "状态"]
    # newest first, as on the page
    assert [r[0] for r in rows[1:]] == [second.pk, first.pk]
    assert rows[1][1] == d.city.community.display_name and rows[1][2] == "待执行"
    assert rows[1][5] == second.lines.filter(included=True).count()
    # the page's state filter applies
    rows = sheet(client.get(url, {"state": "discarded", "export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == [first.pk]
    # another community's league secretary: none of these rows
    other = UserFactory(name="列西社区团委书记")
    MembershipFactory(user=other, org=d.city.other_community, role=Role.COMMUNITY_SECRETARY)
    client.force_login(other)
    assert len(sheet(client.get(url, {"export": "xlsx"}))) == 1

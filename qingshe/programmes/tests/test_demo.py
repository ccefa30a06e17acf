"""The demo's programme year: every state, both sides of the quota, late pairings, the logins'
active pairing, open needs to match, suggestions; deterministic; removed by the demo's reset.

Size 0.2 rather than 0.1: at 0.1 the city has a single department, and a department on each side
of the quota needs two."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qingshe.demo.builder import build_demo, reset_demo
from qingshe.demo.context import DemoContext
from qingshe.needs.models import Need
from qingshe.orgs.models import Membership, OrgKind, Role
from qingshe.programmes import selectors
from qingshe.programmes.models import BranchApplication, Pairing, Programme, ServiceRecord
from qingshe.programmes.suggestions import suggest_for_user

TODAY = date(2026, 11, 22)
SIZE = 0.2


def _build(seed: int = 2026) -> DemoContext:
    return build_demo(seed=seed, size=SIZE, today=TODAY, log=lambda _line: None)


def _org_of(username: str, role: str, ctx: DemoContext):  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=ctx.logins[username], role=role).org


@pytest.mark.django_db
def test_programme_year_in_progress() -> None:
    ctx = _build()
    programme = Programme.objects.get()
    assert programme.owner == ctx.extra["city"] and programme.year == TODAY.year
    assert programme.pairing_deadline < TODAY <= programme.start_deadline
    assert programme.branch_quota_pct == programme.student_quota_pct == 25
    assert {o.kind for o in programme.scope.all()} == {
        OrgKind.UNIVERSITY_COMMITTEE,
        OrgKind.DISTRICT_COMMITTEE,
    }
    assert programme.calls.count() == 1

    states = set(BranchApplication.objects.values_list("state", flat=True))
    assert states == set(BranchApplication.State.values)
    assert set(Pairing.objects.values_list("state", flat=True)) == set(Pairing.State.values)

    league_admin = ctx.logins["league_admin"]
    compliance = selectors.compliance_for_user(
        user=league_admin, programme=programme, month=(2026, 10)
    )
    assert any(d.met for d in compliance.departments)
    assert any(not d.met for d in compliance.departments)
    assert compliance.late_pairings
    assert compliance.low_frequency  # some active pairing served less than twice in October
    # History is dated on the demo's calendar, not the clock of the build.
    for created in Pairing.objects.values_list("created_at", flat=True):
        assert timezone.localtime(created).date() < TODAY
    assert ServiceRecord.objects.filter(held_on__gte=date(2026, 10, 1)).exists()

    # The demo logins see real data: the secretary's branch and the community worker's
    # community are paired, and active.
    branch = _org_of("branch_secretary", Role.BRANCH_SECRETARY, ctx)
    community = _org_of("community_staff", Role.COMMUNITY_STAFF, ctx)
    pairing = Pairing.objects.get(unit=branch, community=community)
    assert pairing.state == Pairing.State.ACTIVE and pairing.agreement_confirmed
    for username in ("branch_secretary", "community_staff", "league_admin"):
        assert pairing in selectors.pairing_list_for_user(user=ctx.logins[username])
    assert pairing.services.count() >= 2

    # Every community has open needs; unpaired branches get suggestions, paired ones none.
    for c in ctx.orgs[OrgKind.COMMUNITY]:
        assert Need.objects.filter(community=c, state__in=Need.OPEN_STATES).count() >= 2
    result = suggest_for_user(user=league_admin, programme=programme)
    assert result and all(r.suggestions for r in result)
    live = set(
        Pairing.objects.filter(state__in=Pairing.LIVE_STATES).values_list("unit_id", flat=True)
    )
    assert not {r.branch.pk for r in result} & live
    assert suggest_for_user(user=ctx.logins["branch_secretary"], programme=programme) == []


def _digest() -> list[tuple[str, ...]]:
    rows = [
        ("application", b, s)
        for b, s in BranchApplication.objects.values_list("branch__name", "state")
    ]
    rows += [
        ("pairing", u, c, s, str(timezone.localtime(t)))
        for u, c, s, t in Pairing.objects.values_list(
            "unit__name", "community__name", "state", "created_at"
        )
    ]
    rows += [
        ("service", u, str(d), t)
        for u, d, t in ServiceRecord.objects.values_list("pairing__unit__name", "held_on", "title")
    ]
    rows += [("need", c, t) for c, t in Need.objects.values_list("community__name", "title")]
    return sorted(rows)


@pytest.mark.django_db
def test_same_seed_same_programme_and_reset_removes_it() -> None:
    _build(seed=11)
    first = _digest()
    reset_demo()
    assert not Programme.objects.exists() and not Pairing.objects.exists()
    assert not Need.objects.exists() and not BranchApplication.objects.exists()
    _build(seed=11)
    assert _digest() == first

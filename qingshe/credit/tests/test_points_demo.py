"""The demo city's points: rules in force (and one in the history), the ledger's hours paid, the
student login's redemptions in every state, a sold-out reward, the partner circle with an
application waiting and one turned down, campaigns with received pledges, venues with bookings past and coming,
commendations with bonus points; check-ledgers clean; removed by the demo's reset; the step's
own time bounded."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qingshe.credit import selectors_points, services_points
from qingshe.credit.models import (
    Campaign,
    Commendation,
    LedgerEntry,
    PartnerApplication,
    Pledge,
    PointsAccount,
    PointsRule,
    PointsTransfer,
    Redemption,
    Reward,
    TransferKind,
    Venue,
    VenueBooking,
)
from qingshe.demo import steps as demo_steps
from qingshe.demo.builder import build_demo, reset_demo

TODAY = date(2026, 11, 22)


@pytest.mark.django_db
def test_demo_points() -> None:
    statements: dict[str, int] = {}
    original = demo_steps.DemoStep.resolve

    def counted(target):  # type: ignore[no-untyped-def]
        function = original(target)
        if target != "qingshe.credit.demo_points:build":
            return function

        def run(ctx):  # type: ignore[no-untyped-def]
            with CaptureQueriesContext(connection) as queries:
                function(ctx)
            statements["points"] = len(queries)

        return run

    demo_steps.DemoStep.resolve = staticmethod(counted)  # type: ignore[method-assign]
    try:
        ctx = build_demo(seed=2026, size=0.2, today=TODAY, log=lambda _line: None)
    finally:
        demo_steps.DemoStep.resolve = staticmethod(original)  # type: ignore[method-assign]

    assert PointsRule.objects.filter(retired_at__isnull=True).count() == 3
    assert PointsRule.objects.filter(retired_at__isnull=False).count() == 1
    # Every service entry of the ledger since the rules' first day was looked at; those paid
    # name the live rule; the check is clean.
    assert PointsTransfer.objects.filter(kind=TransferKind.AWARD_HOURS).count() > 0
    paid_by = set(
        PointsTransfer.objects.filter(kind=TransferKind.AWARD_HOURS).values_list(
            "rule__name", flat=True
        )
    )
    assert paid_by == {"志愿服务时长积分"}
    # No entry of the year was left unpaid but for the cap (4 h per activity and day).
    unpaid = LedgerEntry.objects.filter(
        kind="service",
        service_date__gte=date(2025, 9, 1),
        points_transfers__isnull=True,
        reversed_by__isnull=True,
        hours__gt=0,
    )
    assert not unpaid.exists()
    assert services_points.points_problems()[0] == []
    out = StringIO()
    call_command("check-ledgers", stdout=out)
    assert out.getvalue().count("0 problem(s)") == 2

    student = ctx.logins["student"]
    states = set(Redemption.objects.filter(user=student).values_list("state", flat=True))
    assert states == {"handed_over", "issued", "cancelled"}
    assert Reward.objects.filter(stock=0).exists()
    assert PartnerApplication.objects.filter(state="pending").count() == 1
    assert (
        PartnerApplication.objects.filter(state="rejected").exclude(decision_note="").count() == 1
    )
    assert Campaign.objects.count() >= 2 and Pledge.objects.filter(state="received").exists()
    assert Venue.objects.count() == 3 and VenueBooking.objects.count() >= 6
    partner = Reward.objects.order_by("pk").first().partner
    achieved = selectors_points.partner_achievements(partner=partner)
    assert achieved.rewards_redeemed > 0 and achieved.money_given > 0 and achieved.bookings > 0
    assert Commendation.objects.filter(user__isnull=False).count() == 3
    assert Commendation.objects.filter(team__isnull=False).count() == 1
    assert PointsTransfer.objects.filter(kind=TransferKind.AWARD_COMMENDATION).count() == 3
    assert PointsAccount.objects.get(kind="person", user=student).balance >= 0
    # The step's database statements (3,715 at size 0.2 when this was written, SQLite and
    # PostgreSQL alike), counted rather than timed so that a slower machine cannot fail it.
    assert statements["points"] <= 4_500, statements

    reset_demo()
    assert not PointsTransfer.objects.exists() and not PointsAccount.objects.exists()
    assert (
        not Reward.objects.exists() and not Venue.objects.exists() and not Campaign.objects.exists()
    )
    assert not PointsRule.objects.exists() and not Commendation.objects.exists()

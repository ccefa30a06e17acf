"""The demo step 'care': a caring tutor's weekly sessions, confirmed into the ledger (the last
two waiting), the supervisor's view, the league admin's counts; removed by the reset."""

from __future__ import annotations

from datetime import date, datetime, time
from unittest import mock

import pytest
from django.utils import timezone

from qingshe.care import selectors
from qingshe.care.models import Beneficiary, HelpRelationship, Visit
from qingshe.credit.models import LedgerEntry
from qingshe.demo.builder import build_demo, reset_demo
from qingshe.demo.steps import STEPS

TODAY = date(2026, 11, 22)
CORE = {
    "geography",
    "universities",
    "partners",
    "logins",
    "students",
    "staff",
    "residents",
    "posts",
    "care",
}


@pytest.mark.django_db
def test_care_demo() -> None:
    steps = [s for s in STEPS if s.name in CORE]
    now = timezone.make_aware(datetime.combine(TODAY, time(21, 0)))
    with mock.patch("django.utils.timezone.now", return_value=now):
        ctx = build_demo(seed=2026, size=0.05, today=TODAY, log=lambda _line: None, steps=steps)
    student, instructor = ctx.logins["student"], ctx.logins["instructor"]
    assert Beneficiary.objects.count() == 3
    tutoring = HelpRelationship.objects.get(subject="数学")
    assert Visit.objects.filter(relationship=tutoring).count() == 10
    assert Visit.objects.filter(relationship=tutoring, state="confirmed").count() == 8
    assert LedgerEntry.objects.filter(user=student).count() == 8
    assert selectors.visits_to_confirm(user=instructor).count() == 2
    stats = selectors.stats_for_user(user=ctx.logins["league_admin"])
    assert stats is not None and stats["helped"] == 3 - 1  # the teenager has no relationship yet
    assert selectors.beneficiary_list_for_user(user=ctx.logins["league_admin"]).count() == 0
    assert selectors.beneficiary_list_for_user(user=ctx.logins["community_staff"]).count() == 3
    # The duty and ledger rows of confirmed visits go with duty's and credit's resets.
    reset_demo(steps=[s for s in STEPS if s.name in CORE | {"duty", "credit"}])
    assert not Beneficiary.objects.exists()

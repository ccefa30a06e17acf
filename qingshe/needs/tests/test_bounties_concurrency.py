"""Three organisations take up the same bounty at once on PostgreSQL: the need's row lock (and
the partial unique constraint behind it) lets exactly one win; the others get 409 bounty_taken."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

import time
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from qingshe.core.tests.races import race
from qingshe.needs.models import BountyClaim, Need, NeedEvent
from qingshe.needs.services import bounties
from qingshe.needs.tests.bounty_fixtures import bounty, other_university  # noqa: F401


@pytest.mark.postgres
def test_three_claims_at_once_one_wins(
    transactional_db: Any, city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    assert connection.vendor == "postgresql"
    real_move = bounties.need_move

    def slow_move(**kwargs: Any) -> Any:
        # Widen the window between checking for a live claim and committing: without the lock
        # every thread would have found none.
        time.sleep(0.3)
        return real_move(**kwargs)

    contenders = [
        (city.department_admin, city.department),
        (city.university_admin, city.university),
        (other_university.admin, other_university.university),
    ]
    with mock.patch.object(bounties, "need_move", slow_move):
        outcomes = race(
            [
                lambda actor=actor, claimant=claimant: bounties.bounty_claim(
                    actor=actor, need=bounty, claimant=claimant, plan="同时揭榜"
                )
                for actor, claimant in contenders
            ]
        )
    assert sorted(outcomes) == ["bounty_taken", "bounty_taken", "ok"]
    winner = contenders[outcomes.index("ok")][1]
    only = BountyClaim.objects.get()
    assert only.claimant_id == winner.pk and only.state == "active"
    bounty.refresh_from_db()
    assert bounty.state == "claimed"
    assert NeedEvent.objects.filter(need=bounty, to_state="claimed").count() == 1

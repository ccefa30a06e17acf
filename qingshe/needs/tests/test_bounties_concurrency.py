"""Three organisations take up the same bounty at once on PostgreSQL: the need's row lock (and
the partial unique constraint behind it) lets exactly one win; the others get 409 bounty_taken."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

import threading
import time
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections

from qingshe.core.errors import Conflict
from qingshe.needs.models import BountyClaim, Need, NeedEvent
from qingshe.needs.services import bounties
from qingshe.needs.tests.bounty_fixtures import bounty, other_university  # noqa: F401


@pytest.mark.postgres
def test_three_claims_at_once_one_wins(
    transactional_db: Any, city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(3)
    outcomes: list[str] = []
    lock = threading.Lock()
    real_move = bounties.need_move

    def slow_move(**kwargs: Any) -> Any:
        # Widen the window between checking for a live claim and committing: without the lock
        # every thread would have found none.
        time.sleep(0.3)
        return real_move(**kwargs)

    def claim(actor: Any, claimant: Any) -> None:
        try:
            barrier.wait(timeout=10)
            bounties.bounty_claim(actor=actor, need=bounty, claimant=claimant, plan="同时揭榜")
            result = f"won:{claimant.pk}"
        except Conflict as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    contenders = [
        (city.department_admin, city.department),
        (city.university_admin, city.university),
        (other_university.admin, other_university.university),
    ]
    with mock.patch.object(bounties, "need_move", slow_move):
        threads = [threading.Thread(target=claim, args=pair) for pair in contenders]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert len(outcomes) == 3
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(winners) == 1 and outcomes.count("bounty_taken") == 2
    only = BountyClaim.objects.get()
    assert winners == [f"won:{only.claimant_id}"] and only.state == "active"
    bounty.refresh_from_db()
    assert bounty.state == "claimed"
    assert NeedEvent.objects.filter(need=bounty, to_state="claimed").count() == 1

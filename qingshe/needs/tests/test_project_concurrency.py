"""Two deciders pressing at once on PostgreSQL: the row lock lets one act; the other gets 409."""

import threading
import time
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections

from qingshe.core.errors import Conflict
from qingshe.needs import services
from qingshe.needs.models import ProjectMember
from qingshe.needs.tests.conftest import STATEMENT


@pytest.mark.postgres
def test_two_deciders_at_once_one_wins(
    transactional_db: Any, city: SimpleNamespace, group: Any
) -> None:
    assert connection.vendor == "postgresql"
    member = services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()
    real_audit = services.audit

    def slow_audit(**kwargs: Any) -> Any:
        # Widen the window between reading the row and committing: without the row lock both
        # deciders would read "applied" and both would write.
        time.sleep(0.3)
        return real_audit(**kwargs)

    def decide(actor: Any, accept: bool) -> None:
        try:
            barrier.wait(timeout=10)
            services.project_join_decide(
                actor=actor, member=member, accept=accept, reason="" if accept else "名额已满"
            )
            result = "accepted" if accept else "declined"
        except Conflict as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    with mock.patch.object(services, "audit", slow_audit):
        threads = [
            threading.Thread(target=decide, args=(city.secretary, True)),
            threading.Thread(target=decide, args=(city.department_admin, False)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert len(outcomes) == 2 and "already_decided" in outcomes
    winner = next(o for o in outcomes if o != "already_decided")
    member.refresh_from_db()
    assert member.state == winner
    assert ProjectMember.objects.filter(group=group).count() == 1

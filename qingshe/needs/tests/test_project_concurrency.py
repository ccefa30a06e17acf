"""Two deciders pressing at once on PostgreSQL: the row lock lets one act; the other gets 409."""

import time
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from qingshe.core.tests.races import race
from qingshe.needs import services
from qingshe.needs.models import ProjectMember
from qingshe.needs.tests.conftest import STATEMENT


@pytest.mark.postgres
def test_two_deciders_at_once_one_wins(
    transactional_db: Any, city: SimpleNamespace, group: Any
) -> None:
    assert connection.vendor == "postgresql"
    member = services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)
    real_audit = services.audit

    def slow_audit(**kwargs: Any) -> Any:
        # Widen the window between reading the row and committing: without the row lock both
        # deciders would read "applied" and both would write.
        time.sleep(0.3)
        return real_audit(**kwargs)

    with mock.patch.object(services, "audit", slow_audit):
        outcomes = race(
            [
                lambda: services.project_join_decide(
                    actor=city.secretary, member=member, accept=True, reason=""
                ),
                lambda: services.project_join_decide(
                    actor=city.department_admin, member=member, accept=False, reason="名额已满"
                ),
            ]
        )
    assert sorted(outcomes) == ["already_decided", "ok"]
    winner = "accepted" if outcomes[0] == "ok" else "declined"
    member.refresh_from_db()
    assert member.state == winner
    assert ProjectMember.objects.filter(group=group).count() == 1

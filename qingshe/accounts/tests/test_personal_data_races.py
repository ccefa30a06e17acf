"""Deletion requests at the same moment (PostgreSQL): two requests by the person give one row and
one `deletion_pending`; two admins carrying out the same request de-identify once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from qingshe.accounts.models import DeletionRequest
from qingshe.accounts.personal_data import services as pd
from qingshe.core.models import AuditEvent
from qingshe.core.tests.races import race

pytestmark = pytest.mark.postgres


def test_two_requests_at_once_give_one(transactional_db: Any, city: SimpleNamespace) -> None:
    assert connection.vendor == "postgresql"
    u = city.student
    outcomes = race([lambda: pd.deletion_request_create(actor=u, person=u, confirm=True)] * 2)
    assert sorted(outcomes) == ["deletion_pending", "ok"]
    assert DeletionRequest.objects.filter(user=u).count() == 1


def test_two_admins_carry_out_the_same_request_once(
    transactional_db: Any, city: SimpleNamespace
) -> None:
    u = city.student
    req = pd.deletion_request_create(actor=u, person=u, confirm=True)
    outcomes = race(
        [
            lambda: pd.deletion_execute(actor=city.university_admin, request=req),
            lambda: pd.deletion_execute(actor=city.league_admin, request=req),
        ]
    )
    assert outcomes == ["ok", "ok"]
    assert AuditEvent.objects.filter(action="personal_data.deletion_execute").count() == 1
    req.refresh_from_db()
    assert req.state == "done" and req.executed_by in (city.university_admin, city.league_admin)
